// Filled in by the library work of issue 13.
