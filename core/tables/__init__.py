"""The table layer: schemas, order-preserving key encoding, table values and imports.

A table value is a schema plus the address of its row tree (`prolly`); `table` owns the row
operations on it (scan, lookup, upsert, delete), `importer` turns table files (`io`) into
tables of the working set.
"""
