"""The one exception of the parsing half: bad input, with a one-line message for a human."""


class ParseError(ValueError):
    """The input is not a law we can read (binary, empty, invalid XML, corrupt .docx ...)."""
