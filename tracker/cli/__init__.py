"""The `tracker` command line: argument parsing, dispatch and each command's work."""
