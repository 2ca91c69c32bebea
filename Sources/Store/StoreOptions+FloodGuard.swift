extension StoreOptions.FloodGuard {
    /// Whether `newItems` new keys in a document of `documentItems` items are a suspected flood (more than
    /// `threshold(documentItems:)`). Only a poll of a feed with history is ever judged; the caller checks that.
    public func isSuspected(newItems: Int, documentItems: Int) -> Bool {
        newItems > threshold(documentItems: documentItems)
    }

    /// The match-and-hold step, the same for every store. When `new` holds more than the threshold, its items
    /// are first matched to the feed's kept items by link or title hash (0 means absent and matches nothing)
    /// and move to the end of `matched` (stored, never announced); if more than the threshold are still left,
    /// all of them move to `held` (stored, held for review by `feedd held`), otherwise they stay in `new`.
    /// At or below the threshold nothing moves. Generic over the hash type because each store keeps the
    /// hashes in its own width (the file store `UInt32`, PostgreSQL's `integer` as `Int32`).
    public func matchAndHold<Candidate, Hash: FixedWidthInteger>(
        new: inout [Candidate], matched: inout [Candidate], held: inout [Candidate], documentItems: Int,
        keptLinks: Set<Hash>, keptTitles: Set<Hash>, link: (Candidate) -> Hash, title: (Candidate) -> Hash
    ) {
        let threshold = threshold(documentItems: documentItems)
        guard new.count > threshold else { return }
        var rest: [Candidate] = []
        for candidate in new {
            let link = link(candidate)
            let title = title(candidate)
            if (link != 0 && keptLinks.contains(link)) || (title != 0 && keptTitles.contains(title)) {
                matched.append(candidate)
            } else {
                rest.append(candidate)
            }
        }
        if rest.count > threshold {
            held += rest
            new = []
        } else {
            new = rest
        }
    }
}
