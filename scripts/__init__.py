"""Scripts that build the project's examples, templates and test data: run each as ``python3 -m scripts.NAME``."""
