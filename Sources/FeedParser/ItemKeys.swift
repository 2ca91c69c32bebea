import FeedModel

/// Gives every item of a document its dedup key (DESIGN.md, "The item key"): the id when it is
/// present and unique in the document, else the link (when unique), else a hash of the content.
///
/// Ids and links are compared by their digests, which the key needs anyway: no string is copied or
/// retained, and links are digested only when some item has no usable id.
enum ItemKeys {
    static func assign(to document: inout FeedDocument) {
        let count = document.items.count
        var idDigests = [ItemKey.Digest?](repeating: nil, count: count)
        var idCounts: [ItemKey.Digest: Int] = [:]
        idCounts.reserveCapacity(count)
        document.items.withUnsafeBufferPointer { items in
            for index in 0..<count {
                guard let id = items[index].id, !id.isEmpty else { continue }
                let digest = ItemKey.digest(id: id)
                idDigests[index] = digest
                idCounts[digest, default: 0] += 1
            }
        }
        let allIDsUnique = idCounts.count == count
        var linkDigests = [ItemKey.Digest?](repeating: nil, count: allIDsUnique ? 0 : count)
        var linkCounts: [ItemKey.Digest: Int] = [:]
        if !allIDsUnique {
            linkCounts.reserveCapacity(count)
            document.items.withUnsafeBufferPointer { items in
                for index in 0..<count {
                    guard let link = items[index].link, !link.isEmpty else { continue }
                    let digest = ItemKey.digest(link: link)
                    linkDigests[index] = digest
                    linkCounts[digest, default: 0] += 1
                }
            }
        }
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
}
