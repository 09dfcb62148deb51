"""Agreement maths and the class model: what the collected labels say about a class."""
