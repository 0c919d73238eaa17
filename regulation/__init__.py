"""The law as code: 鲁人社字〔2022〕68号, pure and table-driven.

Nothing here does I/O beyond reading its own YAML data, and nothing reads the clock:
every function that depends on "today" takes the date as an argument.
"""
