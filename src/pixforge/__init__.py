"""pixforge: a self-hostable video-generation server that speaks the PixVerse Platform API."""

__version__ = "0.1.0"
