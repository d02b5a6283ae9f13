"""narrator: prose fiction in, multi-voice MP3 audiobooks out."""
from .errors import NarratorError
from .types import Book, Cast, Chapter, Character, Clip, Line, Script, Segment, VoiceProfile

__all__ = [
    "Book", "Cast", "Chapter", "Character", "Clip", "Line", "NarratorError", "Script", "Segment",
    "VoiceProfile",
]
