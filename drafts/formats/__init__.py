"""Readers for structured formats: Akoma Ntoso, USLM and D.C. Code XML (``xml``), and .docx."""
