"""Use cases and the rules around them, one module per subject.

Services never read the request (no ``request``, ``g``, ``session`` or ``current_user``): the acting
user is passed in. They flush but never commit: the caller (a view or a command) commits once, so a
failure leaves nothing half-done. A broken rule raises ``rules.RuleError`` with a message for people.
"""
