//! totem-embassy (filled in by its issue).
