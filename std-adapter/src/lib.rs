//! totem-std (filled in by its issue).
