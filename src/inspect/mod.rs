//! Printers for the command-line tools.
