#!/usr/bin/env python3
"""Writes the parse-benchmark corpus: realistic RSS 2.0, Atom 1.0 and RDF feeds.

Usage: scripts/gen-corpus.py [--seed N] [--small N] [--no-big] DIR

Deterministic: the same seed and the same version of this script give the same bytes.
Python 3 standard library only. Writes into DIR:

  feed-NN-{rss,atom,rdf}.xml   --small feeds (default 40) of 20-100 items each, some with
                               summaries only, most with full HTML content
  big-atom-3mb.xml             multi-megabyte feeds (full-archive feeds, podcasts)
  big-rdf-5mb.xml
  big-rss-8mb.xml
  big-rss-20mb.xml             the 20 MB RSS 2.0 feed of the peak-memory check
  tiny.xml                     one-item RSS feed, used to measure process start-up
  MANIFEST                     file, format, bytes and items, one line per feed

The text mimics what real feeds carry: WordPress-style RSS with CDATA `content:encoded`,
`dc:creator`, categories, enclosures and RFC 822 dates; Atom with entity-escaped
`type="html"` content and sometimes inline `type="xhtml"`; RDF with `dc:date`. Paragraphs
contain links, inline markup, code blocks, images, entities (`&amp;`, `&#8217;`, `&nbsp;`
inside HTML) and non-ASCII text (é, ü, 中文, 日本語, Ελληνικά, emoji).
"""

import argparse
import datetime
import os
import random
import sys

WORDS = (
    "the of and to in is that for it as was with be by on not he this are or his from at which "
    "but have an they you were her all she there would their we him been has when who will more "
    "no if out so said what up its about into than them can only other new some could time these "
    "two may then do first any my now such like our over man me even most made after also did "
    "many before must through back years where much your way well down should because each just "
    "those people how too little state good very make world still own see men work long get here "
    "between both life being under never day same another know while last might us great old year "
    "off come since against go came right used take three server kernel release update patch "
    "compiler memory network latency throughput parser feed reader schema database query index "
    "cache library framework interface protocol request response thread process container cluster "
    "deployment benchmark performance security vulnerability developer community maintainer "
    "upstream downstream backport regression feature proposal discussion meeting conference talk"
).split()

# Non-ASCII words mixed into the text at a low rate, as multilingual blogs and aggregators do.
FOREIGN = (
    "café naïve résumé Zürich Ångström façade über Straße Müller señor año crème brûlée "
    "中文 日本語 한국어 北京 東京 Ελληνικά русский язык Привет мир עברית العربية "
    "🎉 🚀 ✨ 👍 🔥 — – … “quoted” ‘single’ €100 ±5 µs ½ ©2024"
).split()

FIRST_NAMES = "Alice Bob Carol Dave Eve Frank Grace Heidi Ivan Judy Mallory Niaj Olivia Peggy Rupert Sybil Trent Victor Walter Zoë José Björn Łukasz 王 佐藤".split()
LAST_NAMES = "Smith Jones Müller García Dubois Rossi Novak Kowalski Tanaka Nguyen Okafor Johansson Ødegaard Ivanova Papadopoulos".split()
TAGS = "Linux Swift Rust Go Python Security Releases Kernel Networking Databases Podcasts Culture Science Open-Source Hardware C++ Tips&Tricks Ünicode 中文".split()
DOMAINS = "example.com blog.example.org news.example.net planet.example.io dev.example.de podcast.example.fm".split()

RFC822_DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()
RFC822_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
BASE_TIME = datetime.datetime(2024, 11, 28, 9, 15, 0, tzinfo=datetime.timezone.utc)


def xml_escape(text):
    """Escapes text for an XML text node or attribute value."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def cdata(text):
    """Wraps text in CDATA, splitting any `]]>` it contains as real feeds must."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


class Text:
    """Random but realistic-looking text and HTML, from one seeded generator."""

    def __init__(self, rng):
        self.rng = rng

    def words(self, count):
        rng = self.rng
        out = rng.choices(WORDS, k=count)
        # About one word in 25 is non-ASCII.
        for _ in range(count // 25):
            out[rng.randrange(count)] = rng.choice(FOREIGN)
        return out

    def sentence(self, low=6, high=22):
        w = self.words(self.rng.randint(low, high))
        w[0] = w[0].capitalize()
        return " ".join(w) + self.rng.choice(".....?!")

    def title(self):
        rng = self.rng
        w = self.words(rng.randint(4, 11))
        t = " ".join(x.capitalize() if rng.random() < 0.5 else x for x in w)
        r = rng.random()
        if r < 0.15:
            t += " & more"
        elif r < 0.25:
            t = "Don\u2019t miss: " + t
        elif r < 0.3:
            t += " <v2.0>"
        return t

    def url(self, path_words=4):
        rng = self.rng
        slug = "-".join(rng.choices(WORDS, k=path_words))
        return f"https://{rng.choice(DOMAINS)}/{rng.randint(2015, 2024)}/{rng.randint(1, 12):02d}/{slug}/"

    def person(self):
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def inline_html(self, sentence):
        """Adds links and inline markup to a sentence, the way editors do."""
        rng = self.rng
        w = sentence.split(" ")
        if len(w) > 6:
            r = rng.random()
            i = rng.randrange(len(w) - 3)
            if r < 0.35:
                w[i] = f'<a href="{self.url()}?utm_source=rss&amp;utm_medium=feed">{w[i]}'
                w[i + 2] += "</a>"
            elif r < 0.5:
                w[i] = "<em>" + w[i]
                w[i + 1] += "</em>"
            elif r < 0.6:
                w[i] = "<strong>" + w[i]
                w[i + 1] += "</strong>"
            elif r < 0.7:
                w[i] = "<code>" + w[i] + "()</code>"
            elif r < 0.78:
                w[i] += "&nbsp;&mdash;"
            elif r < 0.85:
                w[i] += " &amp; " + rng.choice(WORDS)
            elif r < 0.9:
                w[i] += "&#8217;s"
        return " ".join(w)

    def html_body(self, paragraphs):
        """An article body: paragraphs, sometimes headings, lists, code, quotes and images."""
        rng = self.rng
        parts = []
        for p in range(paragraphs):
            r = rng.random()
            if r < 0.07 and p > 0:
                parts.append(f"<h2>{xml_escape(self.title())}</h2>")
            elif r < 0.13:
                items = "".join(f"<li>{self.inline_html(self.sentence(4, 12))}</li>" for _ in range(rng.randint(2, 6)))
                parts.append(f"<ul>{items}</ul>")
                continue
            elif r < 0.18:
                code = "\n".join(
                    f"    if (a &lt; b &amp;&amp; c &gt; d) {{ {rng.choice(WORDS)}({rng.randint(0, 99)}); }}"
                    for _ in range(rng.randint(2, 8))
                )
                parts.append(f'<pre><code class="language-c">{code}</code></pre>')
                continue
            elif r < 0.22:
                parts.append(f"<blockquote><p>{self.inline_html(self.sentence(10, 30))}</p></blockquote>")
                continue
            elif r < 0.27:
                parts.append(
                    f'<figure><img src="https://{rng.choice(DOMAINS)}/wp-content/uploads/{rng.randint(1000, 9999)}.jpg" '
                    f'alt="{xml_escape(self.sentence(3, 8))}" width="{rng.choice((640, 800, 1200))}" '
                    f'height="{rng.choice((360, 450, 675))}" loading="lazy" />'
                    f"<figcaption>{self.sentence(4, 10)}</figcaption></figure>"
                )
                continue
            sentences = " ".join(self.inline_html(self.sentence()) for _ in range(rng.randint(2, 7)))
            parts.append(f"<p>{sentences}</p>")
        return "\n".join(parts)

    def xhtml_body(self, paragraphs):
        """Well-formed XHTML only (no named HTML entities), for Atom type="xhtml"."""
        body = self.html_body(paragraphs)
        return body.replace("&nbsp;", "&#160;").replace("&mdash;", "&#8212;")


def rfc822(t):
    return f"{RFC822_DAYS[t.weekday()]}, {t.day:02d} {RFC822_MONTHS[t.month - 1]} {t.year} {t:%H:%M:%S} +0000"


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def times(rng, count):
    """Item dates, newest first, a few minutes to a few days apart."""
    t = BASE_TIME - datetime.timedelta(minutes=rng.randint(0, 600))
    for _ in range(count):
        yield t
        t -= datetime.timedelta(minutes=rng.randint(5, 4000))


# ---------------------------------------------------------------------------------------------
# RSS 2.0


def rss_head(tx, title, site):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0"\n'
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '\txmlns:atom="http://www.w3.org/2005/Atom"\n'
        '\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"\n'
        '\txmlns:slash="http://purl.org/rss/1.0/modules/slash/"\n'
        '\txmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"\n'
        "\t>\n\n<channel>\n"
        f"\t<title>{xml_escape(title)}</title>\n"
        f'\t<atom:link href="{site}feed/" rel="self" type="application/rss+xml" />\n'
        f"\t<link>{site}</link>\n"
        f"\t<description>{xml_escape(tx.sentence())}</description>\n"
        f"\t<lastBuildDate>{rfc822(BASE_TIME)}</lastBuildDate>\n"
        "\t<language>en-US</language>\n"
        "\t<sy:updatePeriod>\n\thourly\t</sy:updatePeriod>\n"
        "\t<sy:updateFrequency>\n\t1\t</sy:updateFrequency>\n"
        "\t<generator>https://wordpress.org/?v=6.4.2</generator>\n"
        f"\t<image>\n\t\t<url>{site}wp-content/uploads/icon-32x32.png</url>\n"
        f"\t\t<title>{xml_escape(title)}</title>\n\t\t<link>{site}</link>\n"
        "\t\t<width>32</width>\n\t\t<height>32</height>\n\t</image>\n"
    )


def rss_item(tx, when, full, podcast, n):
    rng = tx.rng
    link = tx.url()
    summary = tx.inline_html(tx.sentence(20, 50))
    out = [
        "\t<item>\n",
        f"\t\t<title>{xml_escape(tx.title())}</title>\n",
        f"\t\t<link>{link}</link>\n",
        f"\t\t<comments>{link}#respond</comments>\n",
        f"\t\t<dc:creator>{cdata(tx.person())}</dc:creator>\n",
        f"\t\t<pubDate>{rfc822(when)}</pubDate>\n",
    ]
    for tag in rng.sample(TAGS, rng.randint(1, 4)):
        out.append(f"\t\t<category>{cdata(tag)}</category>\n")
    out.append(f'\t\t<guid isPermaLink="false">{link.split("/")[2]}/?p={100000 + n}</guid>\n')
    # WordPress escapes the excerpt as entities and puts the body in CDATA.
    out.append(f"\t\t<description>{xml_escape('<p>' + summary + ' [&#8230;]</p>')}</description>\n")
    if full:
        body = tx.html_body(rng.randint(3, 14))
        if rng.random() < 0.03:
            body += "<p>Edge case: a literal ]]> inside CDATA.</p>"
        out.append(f"\t\t<content:encoded>{cdata(body)}</content:encoded>\n")
    out.append(f"\t\t<wfw:commentRss>{link}feed/</wfw:commentRss>\n")
    out.append(f"\t\t<slash:comments>{rng.randint(0, 120)}</slash:comments>\n")
    if podcast or rng.random() < 0.1:
        size = rng.randint(5_000_000, 90_000_000)
        out.append(f'\t\t<enclosure url="{link}episode-{n}.mp3" length="{size}" type="audio/mpeg" />\n')
        if podcast:
            out.append(f"\t\t<itunes:duration>{rng.randint(0, 2)}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}</itunes:duration>\n")
            out.append(f"\t\t<itunes:explicit>{rng.choice(('false', 'true'))}</itunes:explicit>\n")
            out.append(f"\t\t<itunes:summary>{xml_escape(tx.sentence(20, 60))}</itunes:summary>\n")
    out.append("\t</item>\n")
    return "".join(out)


def rss_tail():
    return "\t</channel>\n</rss>\n"


# ---------------------------------------------------------------------------------------------
# Atom 1.0


def atom_head(tx, title, site):
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">\n'
        f'  <title type="text">{xml_escape(title)}</title>\n'
        f'  <subtitle type="html">{xml_escape("<em>" + tx.sentence() + "</em>")}</subtitle>\n'
        f'  <link rel="alternate" type="text/html" href="{site}"/>\n'
        f'  <link rel="self" type="application/atom+xml" href="{site}atom.xml"/>\n'
        f"  <id>{site}</id>\n"
        f"  <updated>{rfc3339(BASE_TIME)}</updated>\n"
        f"  <author><name>{xml_escape(tx.person())}</name></author>\n"
        '  <generator uri="https://gohugo.io/" version="0.121.1">Hugo</generator>\n'
        f"  <icon>{site}favicon.ico</icon>\n"
    )


def atom_entry(tx, when, full, podcast, n):
    rng = tx.rng
    link = tx.url()
    host = link.split("/")[2]
    updated = when + datetime.timedelta(minutes=rng.choice((0, 0, 0, 30, 1440)))
    out = ["  <entry>\n"]
    if rng.random() < 0.3:
        out.append(f'    <title type="html">{xml_escape(xml_escape(tx.title()))}</title>\n')
    else:
        out.append(f"    <title>{xml_escape(tx.title())}</title>\n")
    out.append(f'    <link rel="alternate" type="text/html" href="{link}"/>\n')
    out.append(f"    <id>tag:{host},{when.year}:/entry/{n}</id>\n")
    out.append(f"    <published>{rfc3339(when)}</published>\n")
    out.append(f"    <updated>{rfc3339(updated)}</updated>\n")
    for _ in range(rng.choice((1, 1, 1, 2))):
        name = tx.person()
        uri = f"https://{host}/authors/{name.split()[0].lower()}"
        out.append(f"    <author><name>{xml_escape(name)}</name><uri>{xml_escape(uri)}</uri></author>\n")
    for tag in rng.sample(TAGS, rng.randint(0, 3)):
        out.append(f'    <category term="{xml_escape(tag.lower())}" label="{xml_escape(tag)}"/>\n')
    if podcast or rng.random() < 0.08:
        size = rng.randint(5_000_000, 90_000_000)
        out.append(f'    <link rel="enclosure" type="audio/mpeg" length="{size}" href="{link}episode-{n}.mp3"/>\n')
    out.append(f'    <summary type="text">{xml_escape(tx.sentence(20, 50))}</summary>\n')
    if full:
        if rng.random() < 0.2:
            body = tx.xhtml_body(rng.randint(3, 12))
            out.append(
                f'    <content type="xhtml" xml:base="{link}">'
                f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div></content>\n'
            )
        else:
            body = tx.html_body(rng.randint(3, 14))
            out.append(f'    <content type="html" xml:base="{link}">{xml_escape(body)}</content>\n')
    out.append("  </entry>\n")
    return "".join(out)


def atom_tail():
    return "</feed>\n"


# ---------------------------------------------------------------------------------------------
# RSS 1.0 (RDF)
#
# The item list in the channel (`items/rdf:Seq`) must precede the items, so the RDF writer
# draws every item first and then writes the channel.


def rdf_feed(tx, title, site, count, full, podcast, target_bytes=None):
    rng = tx.rng
    items, links, size = [], [], 0
    n = 0
    for when in times(rng, count if target_bytes is None else 10**9):
        link = tx.url()
        parts = [
            f'<item rdf:about="{link}">\n',
            f"  <title>{xml_escape(tx.title())}</title>\n",
            f"  <link>{link}</link>\n",
            f"  <description>{xml_escape(tx.inline_html(tx.sentence(20, 60)))}</description>\n",
            f"  <dc:creator>{xml_escape(tx.person())}</dc:creator>\n",
            f"  <dc:date>{when.strftime('%Y-%m-%dT%H:%M:%S+00:00')}</dc:date>\n",
        ]
        for tag in rng.sample(TAGS, rng.randint(0, 2)):
            parts.append(f"  <dc:subject>{xml_escape(tag)}</dc:subject>\n")
        if full and rng.random() < 0.7:
            parts.append(f"  <content:encoded>{cdata(tx.html_body(rng.randint(2, 10)))}</content:encoded>\n")
        parts.append("</item>\n")
        item = "".join(parts)
        items.append(item)
        links.append(link)
        size += len(item.encode("utf-8"))
        n += 1
        if target_bytes is not None and size >= target_bytes:
            break
    seq = "".join(f'    <rdf:li rdf:resource="{link}"/>\n' for link in links)
    head = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"\n'
        '  xmlns="http://purl.org/rss/1.0/"\n'
        '  xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '  xmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        '  xmlns:syn="http://purl.org/rss/1.0/modules/syndication/">\n'
        f'<channel rdf:about="{site}rss">\n'
        f"  <title>{xml_escape(title)}</title>\n"
        f"  <link>{site}</link>\n"
        f"  <description>{xml_escape(tx.sentence())}</description>\n"
        f"  <dc:date>{BASE_TIME.strftime('%Y-%m-%dT%H:%M:%S+00:00')}</dc:date>\n"
        "  <syn:updatePeriod>hourly</syn:updatePeriod>\n"
        f"  <items>\n   <rdf:Seq>\n{seq}   </rdf:Seq>\n  </items>\n"
        "</channel>\n"
    )
    return head + "".join(items) + "</rdf:RDF>\n", n


# ---------------------------------------------------------------------------------------------


FORMATS = {
    "rss": (rss_head, rss_item, rss_tail),
    "atom": (atom_head, atom_entry, atom_tail),
}


def write_feed(path, tx, fmt, count=None, full=True, podcast=False, target_bytes=None):
    """Writes one feed of `count` items, or of items until about `target_bytes`; returns (bytes, items)."""
    rng = tx.rng
    title = f"{tx.title()} \u2014 {rng.choice(('Blog', 'News', 'Weekly', 'Podcast', 'Planet'))}"
    site = f"https://{rng.choice(DOMAINS)}/"
    if fmt == "rdf":
        text, n = rdf_feed(tx, title, site, count, full, podcast, target_bytes)
        data = text.encode("utf-8")
        with open(path, "wb") as f:
            f.write(data)
        return len(data), n
    head, item, tail = FORMATS[fmt]
    size, n = 0, 0
    with open(path, "wb") as f:
        chunk = head(tx, title, site).encode("utf-8")
        f.write(chunk)
        size += len(chunk)
        for when in times(rng, count if target_bytes is None else 10**9):
            chunk = item(tx, when, full, podcast, n).encode("utf-8")
            f.write(chunk)
            size += len(chunk)
            n += 1
            if target_bytes is not None and size >= target_bytes:
                break
        chunk = tail().encode("utf-8")
        f.write(chunk)
        size += len(chunk)
    return size, n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", help="output directory (created if missing)")
    ap.add_argument("--seed", type=int, default=20241128)
    ap.add_argument("--small", type=int, default=40, help="number of 20-100 item feeds (default 40)")
    ap.add_argument("--no-big", action="store_true", help="skip the multi-megabyte feeds")
    args = ap.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    rng = random.Random(args.seed)
    tx = Text(rng)
    manifest = []

    def emit(name, fmt, **kw):
        size, n = write_feed(os.path.join(args.dir, name), tx, fmt, **kw)
        manifest.append(f"{name}\t{fmt}\t{size}\t{n}")

    # Mix roughly as seen in the wild: RSS most common, then Atom, a few RDF.
    cycle = ["rss", "atom", "rss", "rdf", "atom", "rss", "rss", "atom", "rdf", "rss"]
    for i in range(args.small):
        fmt = cycle[i % len(cycle)]
        full = rng.random() < 0.8  # some feeds publish summaries only
        podcast = fmt != "rdf" and rng.random() < 0.1
        emit(f"feed-{i:02d}-{fmt}.xml", fmt, count=rng.randint(20, 100), full=full, podcast=podcast)

    if not args.no_big:
        mb = 1_000_000
        emit("big-atom-3mb.xml", "atom", target_bytes=3 * mb)
        emit("big-rdf-5mb.xml", "rdf", target_bytes=5 * mb)
        emit("big-rss-8mb.xml", "rss", target_bytes=8 * mb, podcast=True)
        emit("big-rss-20mb.xml", "rss", target_bytes=20 * mb)

    # Not part of the measured corpus: used to time process start-up.
    tiny = random.Random(args.seed + 1)
    write_feed(os.path.join(args.dir, "tiny.xml"), Text(tiny), "rss", count=1)

    with open(os.path.join(args.dir, "MANIFEST"), "w", encoding="utf-8") as f:
        f.write(f"# gen-corpus.py --seed {args.seed}: file, format, bytes, items\n")
        f.write("\n".join(manifest) + "\n")
    total = sum(int(line.split("\t")[2]) for line in manifest)
    items = sum(int(line.split("\t")[3]) for line in manifest)
    print(f"gen-corpus: wrote {len(manifest)} feeds, {total / 1e6:.1f} MB, {items} items to {args.dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
