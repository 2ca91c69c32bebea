import FeedModel
import Testing

@Suite("Credentials in URLs")
struct URLCredentialsTests {
    @Test("the password is masked and the user name kept; a lone user name is masked whole")
    func masksURLs() {
        #expect(URLCredentials.masked("http://user:secret@host/feed.xml") == "http://user:***@host/feed.xml")
        #expect(URLCredentials.masked("https://token@host:8443/x?a=b@c") == "https://***@host:8443/x?a=b@c")
        #expect(URLCredentials.masked("https://u:p%40ss:w@host/") == "https://u:***@host/")
        #expect(URLCredentials.masked("https://host/feed?mail=a@b.example") == "https://host/feed?mail=a@b.example")
        #expect(URLCredentials.masked("https://host/a@b") == "https://host/a@b")
        #expect(URLCredentials.masked("file:///tmp/feed.xml") == "file:///tmp/feed.xml")
        #expect(URLCredentials.masked("https://ü:sé@hôst/") == "https://ü:***@hôst/")
    }

    @Test("masking is idempotent")
    func idempotent() {
        for url in ["http://user:secret@host/", "http://tok@host/", "http://host/", "http://user:***@host/"] {
            let once = URLCredentials.masked(url)
            #expect(URLCredentials.masked(once) == once)
        }
    }

    @Test("every URL in a message is masked, wherever it stands")
    func masksText() {
        let text =
            "feed \"a\" (https://me:pw1@a.example/x): redirect to \"http://me:pw2@b.example/y\" refused; "
            + "see <ftp://anon@c.example>; mail me@example.org"
        #expect(
            URLCredentials.masking(in: text)
                == "feed \"a\" (https://me:***@a.example/x): redirect to \"http://me:***@b.example/y\" refused; "
                + "see <ftp://***@c.example>; mail me@example.org")
        #expect(URLCredentials.masking(in: "no URL here: a@b") == "no URL here: a@b")
        #expect(URLCredentials.masking(in: "://") == "://")
        #expect(URLCredentials.masking(in: "x://@host/") == "x://@host/")
    }
}
