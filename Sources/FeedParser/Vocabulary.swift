import XML

/// The namespaces feeds use, matched on URI, with the wrong and missing URIs real feeds write.
enum Namespace: Sendable {
    case none, rss090, rss10, rdf, atom10, atom03, content, dc, dcterms, media, itunes, syndication, xhtml, xml, other

    static func of(_ name: XMLName) -> Namespace {
        guard let uri = name.namespaceURI else {
            // An undeclared prefix: go by the prefix the world uses for it.
            switch name.prefix {
            case nil: return .none
            case "content": return .content
            case "dc": return .dc
            case "dcterms": return .dcterms
            case "media": return .media
            case "itunes": return .itunes
            case "sy": return .syndication
            case "atom", "atom10": return .atom10
            case "rdf": return .rdf
            case "xhtml": return .xhtml
            case "xml": return .xml
            default: return .other
            }
        }
        if let known = exact[uri] { return known }
        var normalized = uri.lowercased()
        while normalized.hasSuffix("/") || normalized.hasSuffix("#") { normalized.removeLast() }
        if normalized.hasPrefix("https://") { normalized = "http://" + normalized.dropFirst(8) }
        return loose[normalized] ?? .other
    }

    private static let exact: [String: Namespace] = [
        "http://purl.org/rss/1.0/": .rss10,
        "http://my.netscape.com/rdf/simple/0.9/": .rss090,
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#": .rdf,
        "http://www.w3.org/2005/Atom": .atom10,
        "http://purl.org/atom/ns#": .atom03,
        "http://purl.org/rss/1.0/modules/content/": .content,
        "http://purl.org/dc/elements/1.1/": .dc,
        "http://purl.org/dc/terms/": .dcterms,
        "http://search.yahoo.com/mrss/": .media,
        "http://www.itunes.com/dtds/podcast-1.0.dtd": .itunes,
        "http://purl.org/rss/1.0/modules/syndication/": .syndication,
        "http://www.w3.org/1999/xhtml": .xhtml,
        XMLNamespace.xml: .xml,
    ]

    /// Lower-cased, without trailing `/` or `#`, https as http.
    private static let loose: [String: Namespace] = [
        "http://purl.org/rss/1.0": .rss10,
        "http://my.netscape.com/rdf/simple/0.9": .rss090,
        "http://www.w3.org/1999/02/22-rdf-syntax-ns": .rdf,
        "http://www.w3.org/2005/atom": .atom10,
        "http://purl.org/atom/ns": .atom03,
        // Drafts before Atom 0.3.
        "http://example.com/newformat": .atom03,
        "http://purl.org/necho": .atom03,
        "http://example.com/necho": .atom03,
        "uri/of/echo/namespace": .atom03,
        "http://purl.org/echo": .atom03,
        "http://purl.org/pie": .atom03,
        "http://purl.org/rss/1.0/modules/content": .content,
        "http://purl.org/dc/elements/1.1": .dc,
        "http://purl.org/dc/elements/1.0": .dc,
        "http://purl.org/dc/terms": .dcterms,
        "http://search.yahoo.com/mrss": .media,
        "http://video.search.yahoo.com/mrss": .media,
        "http://tools.search.yahoo.com/mrss": .media,
        "http://www.itunes.com/dtds/podcast-1.0.dtd": .itunes,
        "http://www.itunes.com/dtds/podcast-1.0": .itunes,
        "http://itunes.apple.com/dtds/podcast-1.0.dtd": .itunes,
        "http://purl.org/rss/1.0/modules/syndication": .syndication,
        "http://www.w3.org/1999/xhtml": .xhtml,
        // RSS 2.0 and 0.9x have no namespace; these URIs were used for them anyway.
        "http://backend.userland.com/rss2": .none,
        "http://backend.userland.com/rss": .none,
        "http://backend.userland.com/rss2.1": .none,
        "http://blogs.law.harvard.edu/tech/rss": .none,
        "http://purl.org/rss/2.0": .none,
        "http://my.netscape.com/publish/formats/rss-0.91.dtd": .none,
    ]
}

/// What an element means to the feed parser, whatever the format.
enum Role: Sendable {
    // Structure
    case rss, rdf, atomFeed, channel, item, image, mediaGroup, atomAuthor, skip
    // Feed and item fields
    case title, dcTitle, link, atomLink, description, dcDescription, subtitle, summary, content, contentEncoded
    case xhtmlBody, guid, atomID, pubDate, lastBuildDate, dcDate, published, updated, dctermsModified
    case dctermsIssued, rssAuthor, managingEditor, dcCreator, itunesAuthor, personName, personEmail, personURI
    case category, rssTags, atomCategory, dcSubject, enclosure, mediaContent, mediaThumbnail, language, dcLanguage
    case imageURL, logo, icon, itunesImage, itunesLink, itunesSummary, itunesSubtitle, itunesCategory
    case mediaCategory, mediaTitle
    // Update hints (`UpdateHints`): RSS `ttl`, `skipHours`/`hour`, `skipDays`/`day`, the syndication module.
    case ttl, skipHours, skipHour, skipDays, skipDay, updatePeriod, updateFrequency, updateBase
    case unknown
}

extension Role {
    /// The role of an element in a document whose root says whether it is Atom.
    static func of(_ name: XMLName, namespace: Namespace, inAtom: Bool) -> Role {
        let local = name.localName
        switch namespace {
        case .none where inAtom, .atom10, .atom03:
            return atom(local)
        case .none, .rss090, .rss10:
            return rss(local)
        case .rdf:
            return local == "RDF" ? .rdf : .unknown
        case .content:
            return local == "encoded" ? .contentEncoded : .unknown
        case .dc:
            switch local {
            case "title": return .dcTitle
            case "creator", "author": return .dcCreator
            case "subject": return .dcSubject
            case "date": return .dcDate
            case "language": return .dcLanguage
            case "description": return .dcDescription
            default: return .unknown
            }
        case .dcterms:
            switch local {
            case "modified": return .dctermsModified
            case "issued", "created": return .dctermsIssued
            default: return .unknown
            }
        case .media:
            switch local {
            case "content": return .mediaContent
            case "thumbnail": return .mediaThumbnail
            case "group": return .mediaGroup
            case "category": return .mediaCategory
            case "title": return .mediaTitle
            default: return .unknown
            }
        case .itunes:
            switch local {
            case "author": return .itunesAuthor
            case "summary": return .itunesSummary
            case "subtitle": return .itunesSubtitle
            case "image": return .itunesImage
            case "link": return .itunesLink
            case "category": return .itunesCategory
            default: return .unknown
            }
        case .syndication:
            switch local {
            case "updatePeriod": return .updatePeriod
            case "updateFrequency": return .updateFrequency
            case "updateBase": return .updateBase
            default: return .unknown
            }
        case .xhtml:
            return local == "body" || local == "div" ? .xhtmlBody : .unknown
        case .xml, .other:
            return .unknown
        }
    }

    /// RSS element names; feeds also write them in other cases (`<TiTlE>`), which readers accept.
    private static func rss(_ local: String) -> Role {
        let role = rssExact(local)
        if role == .unknown, local.contains(where: \.isUppercase) { return rssExact(local.lowercased()) }
        return role
    }

    private static func rssExact(_ local: String) -> Role {
        switch local {
        case "rss": return .rss
        case "channel": return .channel
        case "item": return .item
        case "image": return .image
        case "title": return .title
        case "link": return .link
        case "description": return .description
        case "guid": return .guid
        case "pubDate", "pubdate": return .pubDate
        case "lastBuildDate", "lastbuilddate": return .lastBuildDate
        case "body": return .xhtmlBody
        case "fullitem": return .contentEncoded
        case "author": return .rssAuthor
        case "managingEditor", "managingeditor": return .managingEditor
        case "category": return .category
        // Made up, but feedparser reads them: a second description, and comma-separated categories.
        case "summary": return .summary
        case "tags": return .rssTags
        case "enclosure": return .enclosure
        case "language": return .language
        case "url": return .imageURL
        case "feed": return .atomFeed
        case "ttl": return .ttl
        case "skipHours", "skiphours": return .skipHours
        case "hour": return .skipHour
        case "skipDays", "skipdays": return .skipDays
        case "day": return .skipDay
        default: return .unknown
        }
    }

    private static func atom(_ local: String) -> Role {
        switch local {
        case "feed": return .atomFeed
        case "entry": return .item
        case "title": return .title
        case "subtitle", "tagline": return .subtitle
        case "link": return .atomLink
        case "id": return .atomID
        case "updated", "modified": return .updated
        case "published", "issued": return .published
        case "summary": return .summary
        case "content": return .content
        case "author": return .atomAuthor
        case "name": return .personName
        case "email": return .personEmail
        case "uri", "url", "homepage": return .personURI
        case "category": return .atomCategory
        case "logo": return .logo
        case "icon": return .icon
        default: return .unknown
        }
    }
}
