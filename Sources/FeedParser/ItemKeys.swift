import FeedModel

/// Gives every item of a document its dedup key (DESIGN.md, "The item key"): the id when it is
/// present and unique in the document, else the link (when unique), else a hash of the content.
///
/// Ids and links are compared by their digests, which the key needs anyway: no string is copied or
/// retained, and links are digested only when some item has no usable id.
enum ItemKeys {
    static func assign(to document: inout FeedDocument) {
        let count = document.items.count
        let (idDigests, idCounts) = digests(of: document.items, { $0[$1].id }, ItemKey.digest(id:))
        // Links matter only for items without an id of their own.
        let allIDsUnique = idCounts.count == count
        let (linkDigests, linkCounts) =
            allIDsUnique
            ? ([ItemKey.Digest?](repeating: nil, count: count), [:])
            : digests(of: document.items, { $0[$1].link }, ItemKey.digest(link:))
        var warned: Set<ItemKey.Digest> = []
        for index in 0..<count {
            if let id = idDigests[index] {
                let uses = idCounts[id] ?? 0
                if uses == 1 {
                    document.items[index].key = id.key
                    continue
                }
                if warned.insert(id).inserted, let text = document.items[index].id {
                    document.warnings.append("id \"\(text)\" is used by \(uses) items; their keys use the link")
                }
            }
            let digest: ItemKey.Digest
            if let link = linkDigests[index], linkCounts[link] == 1 {
                digest = link
            } else {
                let item = document.items[index]
                digest = ItemKey.digest(title: item.title, published: item.published, summary: item.summary)
            }
            document.items[index].key = digest.key
        }
    }

    /// The digest of one non-empty field of each item (nil where it is missing or empty), and how many items
    /// share each digest. The field is read in place, without copying the item.
    private static func digests(
        of items: [FeedItem], _ field: (UnsafeBufferPointer<FeedItem>, Int) -> String?,
        _ digest: (String) -> ItemKey.Digest
    ) -> ([ItemKey.Digest?], [ItemKey.Digest: Int]) {
        var digests = [ItemKey.Digest?](repeating: nil, count: items.count)
        var counts: [ItemKey.Digest: Int] = [:]
        counts.reserveCapacity(items.count)
        items.withUnsafeBufferPointer { buffer in
            for index in buffer.indices {
                guard let value = field(buffer, index), !value.isEmpty else { continue }
                let made = digest(value)
                digests[index] = made
                counts[made, default: 0] += 1
            }
        }
        return (digests, counts)
    }
}
