import FeedModel
import Fetcher

/// The listener's status page (`GET /`): one HTML document with inline CSS and no script, readable on a
/// phone. A header with the counts, the feeds (failing ones first), the outbox per hook and the newest
/// items. Built from plain values (gathered by `StatusServer.statusPage`), so rendering does no I/O.
struct StatusPage {
    /// One row of the feeds table.
    struct Feed {
        var name: String
        var title: String?
        /// Masked: no password.
        var url: String
        var tags: [String]
        var lastSuccess: Timestamp?
        /// Masked, in words (`HTTP 503 Service Unavailable`, `connection refused`, …).
        var lastError: String?
        var lastErrorAt: Timestamp?
        var consecutiveFailures: Int
        var nextDue: Timestamp?
        var items: Int
        var held: Int
        /// The pause of the feed's host, when one is in force.
        var pause: HostPause?

        var isFailing: Bool { consecutiveFailures > 0 }
    }

    /// The outbox of one hook.
    struct Hook {
        var name: String
        var pending = 0
        var held = 0
        var dead = 0
        /// The error of the most recent failed attempt among its waiting deliveries.
        var lastError: String?
    }

    /// One of the newest items.
    struct Item {
        var feed: String
        var title: String?
        var link: String?
        var firstSeen: Timestamp
    }

    /// The page lists this many feeds at most (failing ones first), so that it stays small with thousands.
    static let maximumFeedRows = 1000

    var now: Timestamp
    var startedAt: Timestamp
    var isStopping: Bool
    /// Failing feeds first, then the others, each group in configuration order.
    var feeds: [Feed]
    var hooks: [Hook]
    var items: [Item]
    /// Zero: the page does not reload itself.
    var refreshSeconds: Int64

    var failingCount: Int { feeds.filter(\.isFailing).count }
    var pending: Int { hooks.reduce(0) { $0 + $1.pending } }
    var held: Int { hooks.reduce(0) { $0 + $1.held } }
    var dead: Int { hooks.reduce(0) { $0 + $1.dead } }

    /// Puts failing feeds first (most failures first), keeping the given order otherwise.
    static func ordered(_ feeds: [Feed]) -> [Feed] {
        let failing = feeds.enumerated().filter { $0.element.isFailing }
            .sorted { ($1.element.consecutiveFailures, $0.offset) < ($0.element.consecutiveFailures, $1.offset) }
            .map(\.element)
        return failing + feeds.filter { !$0.isFailing }
    }

    // MARK: Rendering

    var html: String {
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">

            """
        if refreshSeconds > 0 { out += "<meta http-equiv=\"refresh\" content=\"\(refreshSeconds)\">\n" }
        let summary = failingCount > 0 ? "\(failingCount) of \(feeds.count) feeds failing" : "\(feeds.count) feeds"
        out += "<title>feedd: \(summary)</title>\n<style>\(Self.css)</style>\n</head>\n<body>\n"
        out += header
        out += "<main>\n" + feedsSection + hooksSection + itemsSection + "</main>\n"
        out += footer
        out += "</body>\n</html>\n"
        return out
    }

    private var header: String {
        var out = "<header>\n<h1>feedd</h1>\n<p class=\"sub\">"
        out += isStopping ? "<strong>stopping</strong> · " : ""
        out += "as of \(Self.time(now)) UTC"
        out += refreshSeconds > 0 ? " · reloads every \(Self.span(refreshSeconds))" : ""
        out += "</p>\n<dl class=\"stats\">\n"
        func stat(_ name: String, _ value: String, id: String, bad: Bool = false) {
            out += "<div id=\"stat-\(id)\"\(bad ? " class=\"bad\"" : "")><dt>\(name)</dt><dd>\(value)</dd></div>\n"
        }
        stat("Uptime", Self.span(now.secondsSince1970 - startedAt.secondsSince1970), id: "uptime")
        stat("Feeds", "\(feeds.count)", id: "feeds")
        stat("Failing", "\(failingCount)", id: "failing", bad: failingCount > 0)
        stat("Outbox", "\(pending)", id: "outbox")
        if held > 0 { stat("Held", "\(held)", id: "held", bad: true) }
        stat("Dead letters", "\(dead)", id: "dead", bad: dead > 0)
        out += "</dl>\n</header>\n"
        return out
    }

    private var feedsSection: String {
        var out = "<section id=\"feeds\">\n<h2>Feeds</h2>\n"
        guard !feeds.isEmpty else { return out + "<p class=\"none\">No feeds are configured.</p>\n</section>\n" }
        out += "<table>\n<thead><tr><th>Feed</th><th>State</th><th>Last success</th><th>Last error</th>"
        out += "<th class=\"num\">Failures</th><th>Next poll</th><th class=\"num\">Items</th></tr></thead>\n<tbody>\n"
        for feed in feeds.prefix(Self.maximumFeedRows) {
            let name = Markup.escaped(feed.name)
            out += "<tr class=\"feed\(feed.isFailing ? " failing" : "")\" data-feed=\"\(name)\">"
            out += "<td data-label=\"Feed\"><span class=\"name\">\(name)</span>"
            if let title = feed.title, title != feed.name {
                out += "<br><span class=\"title\">\(Markup.escaped(title))</span>"
            }
            out += "<br><span class=\"url\">\(Markup.escaped(feed.url))</span>"
            for tag in feed.tags { out += " <span class=\"tag\">\(Markup.escaped(tag))</span>" }
            out += "</td>"
            out += "<td data-label=\"State\">\(state(of: feed))</td>"
            out += "<td data-label=\"Last success\">\(feed.lastSuccess.map(ago) ?? "never")</td>"
            out += "<td data-label=\"Last error\" class=\"error\">"
            if let error = feed.lastError {
                out += Markup.escaped(error)
                if let at = feed.lastErrorAt { out += " <span class=\"when\">(\(ago(at)))</span>" }
            } else {
                out += "—"
            }
            out += "</td>"
            out += "<td data-label=\"Failures\" class=\"num\">\(feed.consecutiveFailures)</td>"
            out += "<td data-label=\"Next poll\">\(feed.nextDue.map(ago) ?? "soon")</td>"
            out += "<td data-label=\"Items\" class=\"num\">\(feed.items)"
            if feed.held > 0 { out += " <span class=\"held\">(\(feed.held) held)</span>" }
            out += "</td></tr>\n"
        }
        out += "</tbody>\n</table>\n"
        if feeds.count > Self.maximumFeedRows {
            out +=
                "<p class=\"none\">… and \(feeds.count - Self.maximumFeedRows) more feeds (failing ones come first, above): "
            out += "<a href=\"feeds\">/feeds</a> lists them all.</p>\n"
        }
        return out + "</section>\n"
    }

    private func state(of feed: Feed) -> String {
        var out: String
        if feed.isFailing {
            out = "<span class=\"state bad\">failing</span>"
        } else if feed.lastSuccess == nil {
            out = "<span class=\"state\">not polled yet</span>"
        } else {
            out = "<span class=\"state ok\">ok</span>"
        }
        if let pause = feed.pause {
            out += "<br><span class=\"pause\">host \(Markup.escaped(pause.host)) paused (HTTP \(pause.httpStatus)) "
            out += "until \(Self.time(pause.until)) UTC</span>"
        }
        return out
    }

    private var hooksSection: String {
        var out = "<section id=\"deliveries\">\n<h2>Deliveries</h2>\n"
        guard !hooks.isEmpty else { return out + "<p class=\"none\">No hooks are configured.</p>\n</section>\n" }
        out += "<table>\n<thead><tr><th>Hook</th><th class=\"num\">Pending</th><th class=\"num\">Held</th>"
        out += "<th class=\"num\">Dead</th><th>Last error</th></tr></thead>\n<tbody>\n"
        for hook in hooks {
            let name = Markup.escaped(hook.name)
            out += "<tr data-hook=\"\(name)\"\(hook.dead > 0 ? " class=\"failing\"" : "")>"
            out += "<td data-label=\"Hook\"><span class=\"name\">\(name)</span></td>"
            out += "<td data-label=\"Pending\" class=\"num\">\(hook.pending)</td>"
            out += "<td data-label=\"Held\" class=\"num\">\(hook.held)</td>"
            out += "<td data-label=\"Dead\" class=\"num\">\(hook.dead)</td>"
            out += "<td data-label=\"Last error\" class=\"error\">\(hook.lastError.map(Markup.escaped) ?? "—")</td>"
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table>\n</section>\n"
    }

    private var itemsSection: String {
        var out = "<section id=\"items\">\n<h2>Newest items</h2>\n"
        guard !items.isEmpty else { return out + "<p class=\"none\">No items are stored yet.</p>\n</section>\n" }
        out += "<table>\n<thead><tr><th>Seen</th><th>Feed</th><th>Title</th></tr></thead>\n<tbody>\n"
        for item in items {
            out += "<tr class=\"item\"><td data-label=\"Seen\" class=\"when\">\(ago(item.firstSeen))</td>"
            out += "<td data-label=\"Feed\">\(Markup.escaped(item.feed))</td><td data-label=\"Title\" class=\"title\">"
            let title = Markup.escaped(item.title ?? item.link ?? "(no title)")
            if let link = Markup.webURL(item.link) {
                out += "<a href=\"\(Markup.escaped(link))\" rel=\"noreferrer noopener\">\(title)</a>"
            } else {
                out += title
            }
            out += "</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n</section>\n"
    }

    private var footer: String {
        """
        <footer>
        <p>Subscribe: <a href="feed.atom">/feed.atom</a> · <a href="feed.json">/feed.json</a> \
        (<code>?feed=NAME</code>, <code>?tag=T</code>, <code>?limit=N</code>). \
        For scripts: <a href="health">/health</a> · <a href="feeds">/feeds</a> · <a href="items">/items</a> · \
        <a href="metrics">/metrics</a>.</p>
        </footer>

        """
    }

    // MARK: Words for times

    /// `<time>` with the UTC time in its `title` and a relative phrase as text ("3 min ago", "in 2 h").
    private func ago(_ timestamp: Timestamp) -> String {
        let seconds = now.secondsSince1970 - timestamp.secondsSince1970
        let words: String
        if abs(seconds) < 5 {
            words = "now"
        } else if seconds > 0 {
            words = Self.span(seconds) + " ago"
        } else {
            words = "in " + Self.span(-seconds)
        }
        return "<time datetime=\"\(timestamp.rfc3339)\" title=\"\(Self.time(timestamp)) UTC\">\(words)</time>"
    }

    /// `2026-11-28 09:15`.
    static func time(_ timestamp: Timestamp) -> String {
        let rfc = timestamp.rfc3339
        return String(rfc.prefix(10)) + " " + String(rfc.dropFirst(11).prefix(5))
    }

    /// A length of time in the largest fitting unit or two: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`.
    static func span(_ seconds: Int64) -> String {
        let seconds = max(seconds, 0)
        switch seconds {
        case ..<60: return "\(seconds) s"
        case ..<3600: return "\(seconds / 60) min"
        case ..<86_400:
            let minutes = seconds / 60 % 60
            return "\(seconds / 3600) h" + (minutes > 0 ? " \(minutes) min" : "")
        default:
            let hours = seconds / 3600 % 24
            return "\(seconds / 86_400) d" + (hours > 0 ? " \(hours) h" : "")
        }
    }

    // MARK: Style

    /// Light and dark, and on a narrow screen every table row becomes a card of labelled lines.
    private static let css = """
        :root{color-scheme:light dark;--fg:#1d2125;--muted:#5f6b76;--bg:#fff;--line:#dde2e6;--card:#f5f7f9;\
        --bad:#b3261e;--bad-bg:#fdecea;--ok:#1e7a3c;--link:#0b57d0}
        @media (prefers-color-scheme:dark){:root{--fg:#e3e6e8;--muted:#9aa5ae;--bg:#15181b;--line:#2c3237;\
        --card:#1d2226;--bad:#ff8a80;--bad-bg:#3a1f1d;--ok:#81c995;--link:#8ab4f8}}
        *{box-sizing:border-box}
        body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);\
        background:var(--bg)}
        header,main,footer{max-width:1200px;margin:0 auto;padding:0 16px}
        h1{font-size:1.5rem;margin:16px 0 0}
        h2{font-size:1.15rem;margin:28px 0 8px}
        .sub,.when,.url,footer{color:var(--muted)}
        .sub{margin:2px 0 12px}
        .url{font-size:.85em;word-break:break-all}
        .stats{display:flex;flex-wrap:wrap;gap:8px;margin:0}
        .stats div{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:6px 14px;\
        min-width:110px}
        .stats dt{font-size:.8em;color:var(--muted)}
        .stats dd{margin:0;font-size:1.35rem;font-weight:600}
        .stats .bad{border-color:var(--bad);background:var(--bad-bg)}
        .stats .bad dd{color:var(--bad)}
        table{width:100%;border-collapse:collapse}
        th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
        th{font-size:.8em;color:var(--muted);font-weight:600}
        .num{text-align:right;font-variant-numeric:tabular-nums}
        .name{font-weight:600}
        tr.failing{background:var(--bad-bg)}
        .error{overflow-wrap:anywhere}
        #feeds td:first-child{min-width:13em}
        time{white-space:nowrap}
        tr.failing .error{color:var(--bad)}
        .state.ok{color:var(--ok)}
        .state.bad{color:var(--bad);font-weight:600}
        .pause,.held{color:var(--bad);font-size:.85em}
        .tag{font-size:.75em;border:1px solid var(--line);border-radius:4px;padding:0 4px;color:var(--muted)}
        a{color:var(--link)}
        .none{color:var(--muted)}
        footer{font-size:.85em;margin:28px auto 24px}
        @media (max-width:700px){thead{display:none}table,tbody,tr,td{display:block;width:100%}\
        tr{border:1px solid var(--line);border-radius:8px;margin:0 0 10px;padding:4px 0}\
        td{border:0;padding:3px 10px}td.num{text-align:left}\
        td::before{content:attr(data-label);display:block;font-size:.75em;color:var(--muted)}}
        """
}
