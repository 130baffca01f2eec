// Filled in by the format library work of issue 13.
