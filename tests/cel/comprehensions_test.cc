// Filled in by the two-variable comprehension work of issue 13.
