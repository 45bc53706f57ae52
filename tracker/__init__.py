"""Release Tracker: new open-weight model releases from the Hugging Face Hub, told within minutes."""

__version__ = "0.1.0"
