"""`supervise`: checks an agency runs by hand."""
