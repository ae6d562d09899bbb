//! totem-benches (filled in by its issue).
