import FeedModel

/// Gives every item of a document its dedup key (DESIGN.md, "The item key"): the id when it is
/// present and unique in the document, else the link (when unique), else a hash of the content.
enum ItemKeys {
    static func assign(to document: inout FeedDocument) {
        var idCounts: [String: Int] = [:]
        var linkCounts: [String: Int] = [:]
        // Fields are read through the array, never by copying a whole item (a dozen retains each).
        for index in document.items.indices {
            if let id = document.items[index].id, !id.isEmpty { idCounts[id, default: 0] += 1 }
            if let link = document.items[index].link, !link.isEmpty { linkCounts[link, default: 0] += 1 }
        }
        var repeatedIDs: [String] = []
        for index in document.items.indices {
            let id = document.items[index].id
            let link = document.items[index].link
            let source: ItemKey.Source
            if let id, !id.isEmpty, idCounts[id] == 1 {
                source = .id(id)
            } else if let link, !link.isEmpty, linkCounts[link] == 1 {
                source = .link(link)
            } else {
                let item = document.items[index]
                source = .content(title: item.title, published: item.published, summary: item.summary)
            }
            if let id, let count = idCounts[id], count > 1, !repeatedIDs.contains(id) {
                repeatedIDs.append(id)
            }
            document.items[index].key = ItemKey.make(source)
        }
        for id in repeatedIDs {
            document.warnings.append("id \"\(id)\" is used by \(idCounts[id] ?? 0) items; their keys use the link")
        }
    }
}
