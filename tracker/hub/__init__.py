"""The Hub adapter: the only code that talks to the Hugging Face Hub, and the shapes and bounds of its values."""
