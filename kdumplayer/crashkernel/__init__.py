"""crashkernel=: the grammar (parse, print, recommend) and the rules a value is checked against."""
