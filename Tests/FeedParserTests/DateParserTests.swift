import FeedModel
import Testing

@testable import FeedParser

/// One date string, what it must read as, and what the warning must say.
struct DateCase: Sendable, CustomTestStringConvertible {
    var input: String
    /// RFC 3339 in UTC; nil when the text must be unreadable.
    var expected: String?
    /// A phrase the warning must contain; nil when the date must read clean (no warning).
    var warning: String?

    var testDescription: String { "\"\(input)\"" }
}

/// Compares bytes: a combining mark after the quote would make `String.hasPrefix` see another character.
private func hasPrefix(_ text: String, _ prefix: String) -> Bool {
    text.utf8.starts(with: prefix.utf8)
}

/// A date that reads with no warning.
private func clean(_ input: String, _ expected: String) -> DateCase {
    DateCase(input: input, expected: expected, warning: nil)
}

/// A date that reads, with a warning containing `phrase`.
private func warned(_ input: String, _ expected: String, _ phrase: String) -> DateCase {
    DateCase(input: input, expected: expected, warning: phrase)
}

/// Text that is no date: timestamp nil, warning `unreadable date "…": …`.
private func unreadable(_ input: String, _ phrase: String = "") -> DateCase {
    DateCase(input: input, expected: nil, warning: phrase)
}

/// The valid dates of feedparser 6.0.14's `date_tests` table (tests/runtests.py), with our warnings.
private let feedparserCases: [DateCase] = [
    clean("Κυρ, 11 Ιούλ 2004 12:00:00 EST", "2004-07-11T17:00:00Z"),
    clean("2004-július-13T9:15-05:00", "2004-07-13T14:15:00Z"),
    clean("2003-12-31T10:14:55.1234Z", "2003-12-31T10:14:55Z"),
    clean("2003-012-31T10:14:55+00:00", "2003-12-31T10:14:55Z"),
    clean("2004-05-25 오후 11:23:17", "2004-05-25T14:23:17Z"),
    clean("2004년 05월 28일  01:31:15", "2004-05-27T16:31:15Z"),
    clean("Fri, 2006/09/15 08:19:53 EDT", "2006-09-15T12:19:53Z"),
    clean("Thu, 30 Apr 2015 08:57:00 MET", "2015-04-30T07:57:00Z"),
    clean("Thu, 30 Apr 2015 08:57:00 MEST", "2015-04-30T06:57:00Z"),
    warned("Thu, 01 Jan 0100 00:00:01 +0100", "0099-12-31T23:00:01Z", "weekday \"Thu\" is wrong"),
    warned("Thu, 01 Jan 04 19:48:21 GMT", "2004-01-01T19:48:21Z", "two-digit year \"04\" read as 2004"),
    clean("Thu, 01 Jan 2004 19:48:21 GMT", "2004-01-01T19:48:21Z"),
    clean("Thu,  5 Apr 2012 10:00:00 GMT", "2012-04-05T10:00:00Z"),
    clean("Wed, 19 Aug 2009 18:28:00 Etc/GMT", "2009-08-19T18:28:00Z"),
    warned("Wed, 19 Feb 2012 22:40:00 GMT-01:01", "2012-02-19T23:41:00Z", "is a Sunday"),
    warned("Wed, 19 Feb 2012 22:40:00 -01:01", "2012-02-19T23:41:00Z", "is a Sunday"),
    clean("Mon, 13 Feb, 2012 06:28:00 UTC", "2012-02-13T06:28:00Z"),
    clean("Thu, 01 Jan 2004 00:00 GMT", "2004-01-01T00:00:00Z"),
    clean("Thu, 01 Jan 2004", "2004-01-01T00:00:00Z"),
    clean("Mon, 26 January 2004 16:31:00 AT", "2004-01-26T20:31:00Z"),
    clean("Mon, 26 January 2004 16:31:00 ET", "2004-01-26T21:31:00Z"),
    clean("Mon, 26 January 2004 16:31:00 CT", "2004-01-26T22:31:00Z"),
    clean("Mon, 26 January 2004 16:31:00 MT", "2004-01-26T23:31:00Z"),
    clean("Mon, 26 January 2004 16:31:00 PT", "2004-01-27T00:31:00Z"),
    clean("Thu Aug 30 2012 17:26:16 +0200", "2012-08-30T15:26:16Z"),
    warned("Sun Jan  4 16:29:06 2004", "2004-01-04T16:29:06Z", "no time zone, read as UTC"),
    clean("Sun Jul 15 01:16:00 +0000 2012", "2012-07-15T01:16:00Z"),
    clean("2003-12-31T10:14:55Z", "2003-12-31T10:14:55Z"),
    clean("2003-12-31T10:14:55-08:00", "2003-12-31T18:14:55Z"),
    clean("2003-12-31T18:14:55+08:00", "2003-12-31T10:14:55Z"),
    clean("2007-04-23T23:25:47.538+10:00", "2007-04-23T13:25:47Z"),
    clean("2003-12-31", "2003-12-31T00:00:00Z"),
    clean("2003-12", "2003-12-01T00:00:00Z"),
    clean("2003", "2003-01-01T00:00:00Z"),
    clean("2004-02-28T18:14:55-08:00", "2004-02-29T02:14:55Z"),
    clean("2003-02-28T18:14:55-08:00", "2003-03-01T02:14:55Z"),
    clean("2000-02-28T18:14:55-08:00", "2000-02-29T02:14:55Z"),
    clean("2004-07-08 23:56:58 -00:20", "2004-07-09T00:16:58Z"),
    warned("2004-07-08 23:56:58", "2004-07-08T23:56:58Z", "no time zone, read as UTC"),
    warned("2004-07-08 23:56:58.0", "2004-07-08T23:56:58Z", "no time zone, read as UTC"),
]

/// RFC 822 and the variants feeds write instead.
private let rfc822Cases: [DateCase] = [
    clean("Mon, 26 Jan 2004 16:31:00 GMT", "2004-01-26T16:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 +0000", "2004-01-26T16:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 -0000", "2004-01-26T16:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 UT", "2004-01-26T16:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 UTC", "2004-01-26T16:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 Z", "2004-01-26T16:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 +0100", "2004-01-26T15:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 +01:00", "2004-01-26T15:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 -05", "2004-01-26T21:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 +0530", "2004-01-26T11:01:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 GMT+0100", "2004-01-26T15:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 GMT+01:00", "2004-01-26T15:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 UTC-5", "2004-01-26T21:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 -0800 (PST)", "2004-01-27T00:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 EST", "2004-01-26T21:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 EDT", "2004-01-26T20:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 CST", "2004-01-26T22:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 CDT", "2004-01-26T21:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 MST", "2004-01-26T23:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 MDT", "2004-01-26T22:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 PST", "2004-01-27T00:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 PDT", "2004-01-26T23:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 BST", "2004-01-26T15:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 CET", "2004-01-26T15:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 CEST", "2004-01-26T14:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 EET", "2004-01-26T14:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 IST", "2004-01-26T11:01:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 JST", "2004-01-26T07:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 AEST", "2004-01-26T06:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 NZDT", "2004-01-26T03:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 MSK", "2004-01-26T13:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31 GMT", "2004-01-26T16:31:00Z"),
    clean("26 Jan 2004 16:31:00 GMT", "2004-01-26T16:31:00Z"),
    clean("26 Jan 2004", "2004-01-26T00:00:00Z"),
    clean("Mon, 26 Jan 2004", "2004-01-26T00:00:00Z"),
    clean("mon, 26 jan 2004 16:31:00 gmt", "2004-01-26T16:31:00Z"),
    clean("MON, 26 JAN 2004 16:31:00 GMT", "2004-01-26T16:31:00Z"),
    clean("Mon,26 Jan 2004 16:31:00 GMT", "2004-01-26T16:31:00Z"),
    clean("Mon 26 Jan 2004 16:31:00 GMT", "2004-01-26T16:31:00Z"),
    clean("Mon,  26  Jan  2004  16:31:00  GMT", "2004-01-26T16:31:00Z"),
    clean("Mon, 26 Jan, 2004, 16:31:00 GMT", "2004-01-26T16:31:00Z"),
    clean("Mon, 26 Jan. 2004 16:31:00 GMT", "2004-01-26T16:31:00Z"),
    clean("Monday, 26 January 2004 16:31:00 GMT", "2004-01-26T16:31:00Z"),
    clean("Mon, 26-Jan-2004 16:31:00 GMT", "2004-01-26T16:31:00Z"),
    clean("26-Jan-2004", "2004-01-26T00:00:00Z"),
    warned("Monday, 26-Jan-04 16:31:00 GMT", "2004-01-26T16:31:00Z", "two-digit year \"04\" read as 2004"),
    clean("Mon, 26 Jan 2004 4:31 pm EST", "2004-01-26T21:31:00Z"),
    clean("Mon, 26 Jan 2004 4:31pm EST", "2004-01-26T21:31:00Z"),
    clean("Mon, 26 Jan 2004 4:31 p.m. EST", "2004-01-26T21:31:00Z"),
    clean("Mon, 26 Jan 2004 12:05 AM GMT", "2004-01-26T00:05:00Z"),
    clean("Mon, 26 Jan 2004 12:05 PM GMT", "2004-01-26T12:05:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00.123 GMT", "2004-01-26T16:31:00Z"),
    clean("Mon, 26 Jan 2004 24:00:00 GMT", "2004-01-27T00:00:00Z"),
    clean("Sat, 31 Dec 2016 23:59:60 GMT", "2017-01-01T00:00:00Z"),
    clean("Thu, 1 Jan 1970 00:00:00 GMT", "1970-01-01T00:00:00Z"),
    clean("Fri, 31 Dec 1999 23:59:59 -1200", "2000-01-01T11:59:59Z"),
    clean("01 Jan 0001 00:00:00 GMT", "0001-01-01T00:00:00Z"),
    clean("31 Dec 9999 23:59:59 GMT", "9999-12-31T23:59:59Z"),
    clean("Jan 26, 2004", "2004-01-26T00:00:00Z"),
    clean("January 26, 2004", "2004-01-26T00:00:00Z"),
    clean("January 26th, 2004", "2004-01-26T00:00:00Z"),
    clean("Monday, January 26, 2004 4:31 PM EST", "2004-01-26T21:31:00Z"),
    clean("January 26, 2004 at 4:31 PM EST", "2004-01-26T21:31:00Z"),
    clean("Mar 27 2004", "2004-03-27T00:00:00Z"),
    clean("Mon Jan 26 2004 16:31:00 GMT+0100 (CET)", "2004-01-26T15:31:00Z"),
    warned("Mon Jan 26 16:31:00 2004", "2004-01-26T16:31:00Z", "no time zone, read as UTC"),
    clean("Mon Jan 26 16:31:00 EST 2004", "2004-01-26T21:31:00Z"),
    clean("2004-01-26 16:31:00 +0000", "2004-01-26T16:31:00Z"),
    clean("2004-01-26 16:31:00 GMT", "2004-01-26T16:31:00Z"),
    clean("2004-Jan-26", "2004-01-26T00:00:00Z"),
    clean("2004/01/26 16:31:00 +0100", "2004-01-26T15:31:00Z"),
    clean("2004/01/26", "2004-01-26T00:00:00Z"),
    clean("01/31/2004", "2004-01-31T00:00:00Z"),
    clean("31/01/2004", "2004-01-31T00:00:00Z"),
    clean("31.01.2004", "2004-01-31T00:00:00Z"),
    clean("01.02.2004", "2004-02-01T00:00:00Z"),
    clean("26.01.2004 16:31 +0100", "2004-01-26T15:31:00Z"),
    clean("Mon,\u{00A0}26\u{00A0}Jan 2004 16:31:00 GMT", "2004-01-26T16:31:00Z"),
    clean("\n\t Mon, 26 Jan 2004 16:31:00 GMT \n", "2004-01-26T16:31:00Z"),
    clean("Mon, 26 Jan 2004 16:31:00 GMT\u{00A0}", "2004-01-26T16:31:00Z"),
]

/// Month and weekday names in other languages; Greek, Korean, Chinese and Hungarian forms.
private let localizedCases: [DateCase] = [
    clean("Do, 22 Dez 2016 17:36:00 +0000", "2016-12-22T17:36:00Z"),
    clean("Fr, 06 Jan 2017 11:46:00 +0000", "2017-01-06T11:46:00Z"),
    clean("Mi, 04 Jan 2017 17:36:24 +0000", "2017-01-04T17:36:24Z"),
    clean("Seg, 24 Set 2018 19:18:49 -0300", "2018-09-24T22:18:49Z"),
    clean("mer, 16 nov 2022 00:38:15 +0100", "2022-11-15T23:38:15Z"),
    clean("Mo, 26 Jan 2004 16:31:00 +0100", "2004-01-26T15:31:00Z"),
    clean("Montag, 26. Januar 2004 16:31:00 +0100", "2004-01-26T15:31:00Z"),
    clean("Montag, 26. Januar 2004 um 16:31 Uhr +0100", "2004-01-26T15:31:00Z"),
    clean("26 Mär 2004", "2004-03-26T00:00:00Z"),
    clean("26 März 2004", "2004-03-26T00:00:00Z"),
    clean("26 Mrz 2004", "2004-03-26T00:00:00Z"),
    clean("26 Jänner 2004", "2004-01-26T00:00:00Z"),
    clean("26 Okt 2004", "2004-10-26T00:00:00Z"),
    clean("26 Dezember 2004", "2004-12-26T00:00:00Z"),
    clean("lundi 26 janvier 2004 16:31:00 +0100", "2004-01-26T15:31:00Z"),
    clean("lun., 26 janv. 2004 16:31:00 +0100", "2004-01-26T15:31:00Z"),
    clean("26 févr. 2004", "2004-02-26T00:00:00Z"),
    clean("26 mars 2004", "2004-03-26T00:00:00Z"),
    clean("26 avr. 2004", "2004-04-26T00:00:00Z"),
    clean("26 mai 2004", "2004-05-26T00:00:00Z"),
    clean("26 juin 2004", "2004-06-26T00:00:00Z"),
    clean("26 juil. 2004", "2004-07-26T00:00:00Z"),
    clean("26 août 2004", "2004-08-26T00:00:00Z"),
    clean("26 sept. 2004", "2004-09-26T00:00:00Z"),
    clean("26 déc. 2004", "2004-12-26T00:00:00Z"),
    clean("26 DÉC 2004", "2004-12-26T00:00:00Z"),
    clean("mar, 27 ene 2004 10:00:00 +0100", "2004-01-27T09:00:00Z"),
    clean("lunes, 26 de enero de 2004 16:31:00 +0100", "2004-01-26T15:31:00Z"),
    clean("26 abr 2004", "2004-04-26T00:00:00Z"),
    clean("26 ago 2004", "2004-08-26T00:00:00Z"),
    clean("26 dic 2004", "2004-12-26T00:00:00Z"),
    clean("26 setiembre 2004", "2004-09-26T00:00:00Z"),
    clean("mié, 28 ene 2004", "2004-01-28T00:00:00Z"),
    clean("sáb, 31 ene 2004", "2004-01-31T00:00:00Z"),
    clean("lunedì 26 gennaio 2004", "2004-01-26T00:00:00Z"),
    clean("26 gen 2004", "2004-01-26T00:00:00Z"),
    clean("26 giu 2004", "2004-06-26T00:00:00Z"),
    clean("26 lug 2004", "2004-07-26T00:00:00Z"),
    clean("26 ott 2004", "2004-10-26T00:00:00Z"),
    clean("26 maart 2004", "2004-03-26T00:00:00Z"),
    clean("26 mrt 2004", "2004-03-26T00:00:00Z"),
    clean("26 mei 2004", "2004-05-26T00:00:00Z"),
    clean("ma, 26 jan 2004", "2004-01-26T00:00:00Z"),
    clean("26 outubro 2004", "2004-10-26T00:00:00Z"),
    clean("26 out 2004", "2004-10-26T00:00:00Z"),
    clean("26 maio 2004", "2004-05-26T00:00:00Z"),
    clean("26 de março de 2004", "2004-03-26T00:00:00Z"),
    clean("26 maj 2004", "2004-05-26T00:00:00Z"),
    clean("2004-január-26T9:15+01:00", "2004-01-26T08:15:00Z"),
    clean("2004-október-26", "2004-10-26T00:00:00Z"),
    clean("ΚΥΡ, 11 ΙΟΎΛ 2004 12:00:00 EST", "2004-07-11T17:00:00Z"),
    clean("Δευ, 26 Ιαν 2004 16:31:00 +0200", "2004-01-26T14:31:00Z"),
    clean("2004-05-25 오전 11:23:17", "2004-05-25T02:23:17Z"),
    clean("2004년 5월 28일", "2004-05-28T00:00:00Z"),
    warned("2004年5月28日 01:31", "2004-05-28T01:31:00Z", "no time zone, read as UTC"),
]

/// RFC 3339, ISO 8601 and W3C-DTF.
private let iso8601Cases: [DateCase] = [
    clean("2003-12-31t10:14:55z", "2003-12-31T10:14:55Z"),
    clean("2003-12-31 10:14:55Z", "2003-12-31T10:14:55Z"),
    clean("2003-12-31T10:14Z", "2003-12-31T10:14:00Z"),
    clean("2003-12-31T10Z", "2003-12-31T10:00:00Z"),
    clean("2003-12-31T10:14:55+0100", "2003-12-31T09:14:55Z"),
    clean("2003-12-31T10:14:55-05", "2003-12-31T15:14:55Z"),
    clean("2003-12-31T10:14:55,5Z", "2003-12-31T10:14:55Z"),
    clean("2003-12-31T10:14:55.123456789Z", "2003-12-31T10:14:55Z"),
    clean("2003-12-31T10:14:55.999+14:00", "2003-12-30T20:14:55Z"),
    clean("2003-12-31T10:14:55 GMT", "2003-12-31T10:14:55Z"),
    clean("2003-12-31T10:14:55 PST", "2003-12-31T18:14:55Z"),
    clean("2003-12-31T10:14:55Z (UTC)", "2003-12-31T10:14:55Z"),
    clean("20031231T101455Z", "2003-12-31T10:14:55Z"),
    clean("20031231T101455+0100", "2003-12-31T09:14:55Z"),
    clean("20031231T1014Z", "2003-12-31T10:14:00Z"),
    clean("20031231", "2003-12-31T00:00:00Z"),
    clean("2003-335", "2003-12-01T00:00:00Z"),
    clean("2003335", "2003-12-01T00:00:00Z"),
    clean("2004-366", "2004-12-31T00:00:00Z"),
    clean("2003-001T12:00Z", "2003-01-01T12:00:00Z"),
    clean("2004-W01-1", "2003-12-29T00:00:00Z"),
    clean("2004W011", "2003-12-29T00:00:00Z"),
    clean("2004-W01", "2003-12-29T00:00:00Z"),
    clean("2009-W53-7", "2010-01-03T00:00:00Z"),
    clean("2003-12-31T24:00:00Z", "2004-01-01T00:00:00Z"),
    clean("2003-12-31T24:00Z", "2004-01-01T00:00:00Z"),
    clean("2008-12-31T23:59:60Z", "2009-01-01T00:00:00Z"),
    clean("2013-01-27-01:00", "2013-01-27T01:00:00Z"),
    clean("2013-01-27Z", "2013-01-27T00:00:00Z"),
    clean("2006-01-17T12:35:1+01:00", "2006-01-17T11:35:01Z"),
    clean("2017-06-13T03:18:00+00:0", "2017-06-13T03:18:00Z"),
    clean("2000-01-01T12:00+00:00", "2000-01-01T12:00:00Z"),
    clean("2006-01-11 16:42:47 -0800", "2006-01-12T00:42:47Z"),
    clean("2019-05-18 10:58:46 +0300", "2019-05-18T07:58:46Z"),
    clean("2004-7-8", "2004-07-08T00:00:00Z"),
    clean("  2003-12-31T10:14:55Z\n", "2003-12-31T10:14:55Z"),
    clean("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
    clean("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"),
    clean("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"),
    warned("2003-12-31T10:14:55", "2003-12-31T10:14:55Z", "no time zone, read as UTC"),
    warned("2003-12-31T10:14", "2003-12-31T10:14:00Z", "no time zone, read as UTC"),
    warned("2003-12-31T10:14:55 XYZ", "2003-12-31T10:14:55Z", "unknown time zone \"XYZ\", read as UTC"),
    warned("2013-01-28T11:30:00-06:00Textra", "2013-01-28T17:30:00Z", "ignored \"Textra\""),
    warned("2003-12-31T10:14:55Z garbage", "2003-12-31T10:14:55Z", "ignored \"garbage\""),
    warned("2003-12-31T10:14:55 A", "2003-12-31T10:14:55Z", "military time zone \"A\" is ambiguous"),
]

/// Dates read with something ignored or guessed: the warning says what.
private let warnedCases: [DateCase] = [
    warned("Mon, 26 Jan 2004 16:31:00 XYZ", "2004-01-26T16:31:00Z", "unknown time zone \"XYZ\", read as UTC"),
    warned(
        "Mon, 26 Jan 2004 16:31:00 America/New_York", "2004-01-26T16:31:00Z",
        "unknown time zone \"America/New_York\", read as UTC"),
    warned("Tue, 26 Jan 2004 16:31:00 GMT", "2004-01-26T16:31:00Z", "weekday \"Tue\" is wrong"),
    warned("Mon, 26 Jan 2004 16:31:00 GMT foo", "2004-01-26T16:31:00Z", "ignored \"foo\""),
    warned("Posted on 26 Jan 2004", "2004-01-26T00:00:00Z", "ignored \"Posted\""),
    warned("Mon, 26 Jan 2004 16:31:00 A", "2004-01-26T16:31:00Z", "military time zone \"A\" is ambiguous"),
    warned("Mon, 26 Jan 2004 16:31:00 N", "2004-01-26T16:31:00Z", "military time zone \"N\" is ambiguous"),
    warned("Mon, 26 Jan 50 16:31:00 GMT", "1950-01-26T16:31:00Z", "two-digit year \"50\" read as 1950"),
    warned("Thu, 26 Jan 49 16:31:00 GMT", "2049-01-26T16:31:00Z", "two-digit year \"49\" read as 2049"),
    warned("Mon, 26 Jan 104 16:31:00 GMT", "2004-01-26T16:31:00Z", "three-digit year \"104\" read as 2004"),
    warned("Jan 26 '04", "2004-01-26T00:00:00Z", "two-digit year \"04\" read as 2004"),
    warned("26.01.04", "2004-01-26T00:00:00Z", "two-digit year \"04\" read as 2004"),
    warned("1518478934", "2018-02-12T23:42:14Z", "read as a Unix time"),
    warned("1518478934000", "2018-02-12T23:42:14Z", "read as a Unix time"),
    warned("Sun, 10 Dec 17 13:01:36 -0800", "2017-12-10T21:01:36Z", "two-digit year \"17\" read as 2017"),
    warned("Thu, 07 Dec 17 07:00:00 -0800", "2017-12-07T15:00:00Z", "two-digit year \"17\" read as 2017"),
    warned("03 Apr 02 1500 GMT", "2002-04-03T15:00:00Z", "two-digit year \"02\" read as 2002"),
    warned("Friday, January 29, 2021 04:42 PM", "2021-01-29T16:42:00Z", "no time zone, read as UTC"),
    warned("Sat, Dec 16 2023 02:02:33 PM", "2023-12-16T14:02:33Z", "no time zone, read as UTC"),
    warned("2020/1/10 14:16:00", "2020-01-10T14:16:00Z", "no time zone, read as UTC"),
    warned("22.11.2022 12:16:00", "2022-11-22T12:16:00Z", "no time zone, read as UTC"),
    warned("January, 29 Jan 2021 17:56:15 +0530", "2021-01-29T12:26:15Z", "ignored \"Jan\""),
    warned("Foo, 26 Jan 2004 16:31:00 GMT", "2004-01-26T16:31:00Z", "ignored \"Foo\""),
    warned("Mon, 26 Jan 2004 16:31:00 +0100 +0200", "2004-01-26T15:31:00Z", "ignored \"+0200\""),
]

/// Real-world dates from the feeds in shared/realworld that are not covered above.
private let realWorldCases: [DateCase] = [
    clean("Mon, 21 Jan 2008 8:56 am PST", "2008-01-21T16:56:00Z"),
    clean("Sun, 20 Apr 2014 8:19 pm CEST", "2014-04-20T18:19:00Z"),
    clean("Thu, 01 Aug 2019 16:15 EDT", "2019-08-01T20:15:00Z"),
    clean("Fri, 01 Sep 2023 04:00:00 -0000", "2023-09-01T04:00:00Z"),
    clean("Tue, 4 Nov 2025 14:25:56  EST", "2025-11-04T19:25:56Z"),
    clean("Fri, 17 May 2019 06:00:00 BST", "2019-05-17T05:00:00Z"),
    clean("Mon 15 Nov 2010 01:30:00 GMT", "2010-11-15T01:30:00Z"),
    clean("Fri, 23 December 2011 10:00:00 EST", "2011-12-23T15:00:00Z"),
    clean("Tue, 6 June 2006 10:30:00 GMT", "2006-06-06T10:30:00Z"),
    clean("Sat, 07 Jan 2017 15:21:42 GMT ", "2017-01-07T15:21:42Z"),
    clean("Fri, 13 Dec 2013 18:30:00 Z", "2013-12-13T18:30:00Z"),
    clean("07 Jan 2017 09:30:13 +0300", "2017-01-07T06:30:13Z"),
    clean("01 Mar 2013 12:00:00 EST", "2013-03-01T17:00:00Z"),
    clean("2019-08-14", "2019-08-14T00:00:00Z"),
    clean("2006-11-01T12:00:00-08:00", "2006-11-01T20:00:00Z"),
    clean("2007-05-22T14:42:52.000Z", "2007-05-22T14:42:52Z"),
    clean("2007-06-13T18:38:37.000Z", "2007-06-13T18:38:37Z"),
    clean("2007-10-31T21:25:51.554-07:00", "2007-11-01T04:25:51Z"),
    clean("2007-12-12T22:18:44.752-08:00", "2007-12-13T06:18:44Z"),
    clean("2008-05-28T21:47:20-07:00", "2008-05-29T04:47:20Z"),
    clean("2008-06-27T03:06:00Z", "2008-06-27T03:06:00Z"),
    clean("2008-09-04T16:07:19-04:00", "2008-09-04T20:07:19Z"),
    clean("2009-01-02T14:34:15-08:00", "2009-01-02T22:34:15Z"),
    clean("2009-07-02T17:03:50+02:00", "2009-07-02T15:03:50Z"),
    clean("2010-03-05T00:00:00-05:00", "2010-03-05T05:00:00Z"),
    clean("2010-09-18T10:02:20-07:00", "2010-09-18T17:02:20Z"),
    clean("2012-04-12T17:12:31-07:00", "2012-04-13T00:12:31Z"),
    clean("2012-12-18T22:00:00.000-08:00", "2012-12-19T06:00:00Z"),
    clean("2013-01-01T00:01:00.987-08:00", "2013-01-01T08:01:00Z"),
    clean("2013-01-03T16:42:37.621-08:00", "2013-01-04T00:42:37Z"),
    clean("2013-01-14T12:57:00.000-08:00", "2013-01-14T20:57:00Z"),
    clean("2013-01-31T03:00:00.000-08:00", "2013-01-31T11:00:00Z"),
    clean("2013-02-04T08:27:16.118-08:00", "2013-02-04T16:27:16Z"),
    clean("2013-03-07T09:15:00+00:00", "2013-03-07T09:15:00Z"),
    clean("2013-04-06T23:59:00Z", "2013-04-06T23:59:00Z"),
    clean("2013-10-09T17:31:44.000Z", "2013-10-09T17:31:44Z"),
    clean("2013-10-23T11:08:31Z", "2013-10-23T11:08:31Z"),
    clean("2014-03-17T00:00:00Z", "2014-03-17T00:00:00Z"),
    clean("2014-04-18T08:00:00-05:00", "2014-04-18T13:00:00Z"),
    clean("2014-06-16T17:41:40+02:00", "2014-06-16T15:41:40Z"),
    clean("2014-10-16T00:00:00+00:00", "2014-10-16T00:00:00Z"),
    clean("2014-11-04T01:11:30+01:00", "2014-11-04T00:11:30Z"),
    clean("2015-11-13T08:10:00.004-08:00", "2015-11-13T16:10:00Z"),
    clean("2016-01-05T07:26:41.910-08:00", "2016-01-05T15:26:41Z"),
    clean("2016-02-22T09:44:00.000-08:00", "2016-02-22T17:44:00Z"),
    clean("2016-02-22T09:46:06.111-08:00", "2016-02-22T17:46:06Z"),
    clean("2016-02-26T21:47:28Z", "2016-02-26T21:47:28Z"),
    clean("2016-12-16T16:00:00Z", "2016-12-16T16:00:00Z"),
    clean("2016-12-28T11:00:00Z", "2016-12-28T11:00:00Z"),
    clean("2017-01-05T11:00:00Z", "2017-01-05T11:00:00Z"),
    clean("2017-01-07T11:17:38+01:00", "2017-01-07T10:17:38Z"),
    clean("2017-01-22T15:31:22+00:00", "2017-01-22T15:31:22Z"),
    clean("2017-01-23T15:08:35+01:00", "2017-01-23T14:08:35Z"),
    clean("2017-01-23T18:01:31+01:00", "2017-01-23T17:01:31Z"),
    clean("2017-01-23T20:59:06+01:00", "2017-01-23T19:59:06Z"),
    clean("2017-06-10T20:20:12Z", "2017-06-10T20:20:12Z"),
    clean("2017-06-22T23:03:38Z", "2017-06-22T23:03:38Z"),
    clean("2017-09-16T07:20:02+00:00", "2017-09-16T07:20:02Z"),
    clean("2017-09-16T12:40:08+00:00", "2017-09-16T12:40:08Z"),
    clean("2018-01-31T11:14:27Z", "2018-01-31T11:14:27Z"),
    clean("2018-10-24T17:04:00.000Z", "2018-10-24T17:04:00Z"),
    clean("2018-10-31T18:23:12.030Z", "2018-10-31T18:23:12Z"),
    clean("2018-11-03T21:11:29.579Z", "2018-11-03T21:11:29Z"),
    clean("2018-11-13T19:00:00.000Z", "2018-11-13T19:00:00Z"),
    clean("2018-11-14T00:27:58.971Z", "2018-11-14T00:27:58Z"),
    clean("2018-11-15T17:53:20.992Z", "2018-11-15T17:53:20Z"),
    clean("2018-11-20T19:59:19.147Z", "2018-11-20T19:59:19Z"),
    clean("2020-04-25T18:45:19-05:00", "2020-04-25T23:45:19Z"),
    clean("2021-07-14T00:00:00.000Z", "2021-07-14T00:00:00Z"),
    clean("2021-07-17T00:00:00.000Z", "2021-07-17T00:00:00Z"),
    clean("2022-07-26T17:13:00.000000000Z", "2022-07-26T17:13:00Z"),
    clean("2022-07-27T15:03:50.000000000Z", "2022-07-27T15:03:50Z"),
    clean("2022-07-27T16:42:46.000000000Z", "2022-07-27T16:42:46Z"),
    clean("2022-07-27T19:58:57.000000000Z", "2022-07-27T19:58:57Z"),
    clean("2022-07-27T20:40:00.000000000Z", "2022-07-27T20:40:00Z"),
    clean("2022-07-27T20:48:37.000000000Z", "2022-07-27T20:48:37Z"),
    clean("2022-07-27T22:09:58.000000000Z", "2022-07-27T22:09:58Z"),
    clean("2022-07-27T22:30:00.000000000Z", "2022-07-27T22:30:00Z"),
    clean("2022-07-27T22:49:38.000000000Z", "2022-07-27T22:49:38Z"),
    clean("2022-07-28T00:05:10.000000000Z", "2022-07-28T00:05:10Z"),
    clean("2022-07-28T01:21:49.000000000Z", "2022-07-28T01:21:49Z"),
    clean("2022-07-28T01:38:00.000000000Z", "2022-07-28T01:38:00Z"),
    clean("2024-03-11T03:37:18Z", "2024-03-11T03:37:18Z"),
    clean("2024-12-19T15:00:38-05:00", "2024-12-19T20:00:38Z"),
    clean("2025-02-24T15:45:46.035455Z", "2025-02-24T15:45:46Z"),
    clean("2025-12-05T14:58:11-05:00", "2025-12-05T19:58:11Z"),
    clean("2026-03-20T16:38:35-04:00", "2026-03-20T20:38:35Z"),
    clean("Fri,  3 Mar 2006 08:00:00 -0800 ", "2006-03-03T16:00:00Z"),
    clean("Fri,  7 Apr 2006 09:00:00 -0700 ", "2006-04-07T16:00:00Z"),
    clean("Fri, 05 Apr 2019 03:19:15 -0300", "2019-04-05T06:19:15Z"),
    clean("Fri, 06 Jan 2017 16:39:15 -0200", "2017-01-06T18:39:15Z"),
    clean("Fri, 06 Jan 2017 18:04:47 -0500", "2017-01-06T23:04:47Z"),
    clean("Fri, 08 Mar 2019 02:39:22 -0400", "2019-03-08T06:39:22Z"),
    clean("Fri, 10 Jun 2011 13:15:00 +0000", "2011-06-10T13:15:00Z"),
    clean("Fri, 10 Mar 2006 08:00:00 -0800 ", "2006-03-10T16:00:00Z"),
    clean("Fri, 14 Apr 2006 09:00:00 -0700 ", "2006-04-14T16:00:00Z"),
    clean("Fri, 17 Mar 2006 08:00:00 -0800 ", "2006-03-17T16:00:00Z"),
    clean("Fri, 21 Apr 2006 09:00:00 -0700 ", "2006-04-21T16:00:00Z"),
    clean("Fri, 24 Feb 2006 08:00:00 -0800 ", "2006-02-24T16:00:00Z"),
    clean("Fri, 24 Mar 2006 08:00:00 -0800 ", "2006-03-24T16:00:00Z"),
    clean("Fri, 24 Nov 2017 11:45:00 -0800", "2017-11-24T19:45:00Z"),
    clean("Fri, 31 Mar 2006 08:00:00 -0800 ", "2006-03-31T16:00:00Z"),
    clean("Fri, 5 May 2006 10:30:00 GMT", "2006-05-05T10:30:00Z"),
    clean("Fri, 5 Sep 2008 01:30:00 GMT", "2008-09-05T01:30:00Z"),
    clean("Fri, 6 Jan 2017 10:52:00 -0500", "2017-01-06T15:52:00Z"),
    clean("Fri, 6 Jan 2017 12:21:55 +0100", "2017-01-06T11:21:55Z"),
    clean("Fri, 6 Jan 2017 18:31:44 +0100", "2017-01-06T17:31:44Z"),
    clean("Fri, 6 Jan 2017 19:18:00 -0500", "2017-01-07T00:18:00Z"),
    clean("Fri, 6 Jan 2017 19:37:49 -0500", "2017-01-07T00:37:49Z"),
    clean("Fri, 6 Jan 2017 19:50:46 +0100", "2017-01-06T18:50:46Z"),
    clean("Fri, 8 Aug 2008 01:30:00 GMT", "2008-08-08T01:30:00Z"),
    clean("Mon, 16 Jan 2017 17:26:44 +0000", "2017-01-16T17:26:44Z"),
    clean("Mon, 2 May 2011 01:30:00 EST", "2011-05-02T06:30:00Z"),
    clean("Mon, 22 Jul 2024 11:31:20 -0700", "2024-07-22T18:31:20Z"),
    clean("Mon, 27 Feb 2006 10:30:00 GMT", "2006-02-27T10:30:00Z"),
    clean("Mon, 27 Nov 2017 06:10:00 -0800", "2017-11-27T14:10:00Z"),
    clean("Mon, 29 Nov 2021 00:00:00 GMT", "2021-11-29T00:00:00Z"),
    clean("Sat, 07 Jan 2017 02:14:48 GMT", "2017-01-07T02:14:48Z"),
    clean("Sat, 07 Jan 2017 09:23:21 -0200", "2017-01-07T11:23:21Z"),
    clean("Sat, 07 Jan 2017 10:19:44 -0500", "2017-01-07T15:19:44Z"),
    clean("Sat, 07 Jan 2017 13:30:52 +0100", "2017-01-07T12:30:52Z"),
    clean("Sat, 07 Jan 2017 14:12:00 +0100", "2017-01-07T13:12:00Z"),
    clean("Sat, 07 Jan 2017 15:21:42 GMT ", "2017-01-07T15:21:42Z"),
    clean("Sat, 07 Jan 2017 15:23:58 +0000", "2017-01-07T15:23:58Z"),
    clean("Sat, 25 Nov 2017 04:00:00 -0800", "2017-11-25T12:00:00Z"),
    clean("Sat, 7 Jan 2017 02:50:00 -0500", "2017-01-07T07:50:00Z"),
    clean("Sat, 7 Jan 2017 08:01:00 -0500", "2017-01-07T13:01:00Z"),
    clean("Sat, 7 Jan 2017 08:11:00 -0500", "2017-01-07T13:11:00Z"),
    clean("Sat, 7 Jan 2017 08:27:00 -0500", "2017-01-07T13:27:00Z"),
    clean("Sat, 7 Jan 2017 09:30:00 -0500", "2017-01-07T14:30:00Z"),
    clean("Sat, 7 Jan 2017 09:40:00 -0500", "2017-01-07T14:40:00Z"),
    clean("Sat, 7 Jan 2017 15:48:02 +0100", "2017-01-07T14:48:02Z"),
    clean("Sun, 03 Nov 2024 17:57:51 +0000", "2024-11-03T17:57:51Z"),
    clean("Sun, 14 May 2017 17:46:52 +0530", "2017-05-14T12:16:52Z"),
    clean("Sun, 19 Oct 2025 15:49:46 GMT", "2025-10-19T15:49:46Z"),
    warned("Sun, 2 Jun 2007 01:30:00 GMT", "2007-06-02T01:30:00Z", "(2007-06-02 is a Saturday)"),
    clean("Thu, 02 Nov 2017 04:00:00 +0000", "2017-11-02T04:00:00Z"),
    clean("Thu, 05 Jan 2017 03:00:44 +0000", "2017-01-05T03:00:44Z"),
    clean("Thu, 08 Aug 2013 10:45:01 -0500", "2013-08-08T15:45:01Z"),
    clean("Thu, 1 Oct 2020 17:29:00 +0200", "2020-10-01T15:29:00Z"),
    clean("Thu, 20 Feb 2014 03:00:39 -0600", "2014-02-20T09:00:39Z"),
    clean("Thu, 20 Sep 2018 20:38:28 +0000", "2018-09-20T20:38:28Z"),
    clean("Thu, 23 Jul 2020 13:30:00 +0200", "2020-07-23T11:30:00Z"),
    clean("Thu, 3 Apr 2008 01:30:00 GMT", "2008-04-03T01:30:00Z"),
    clean("Thu, 5 Jul 2018 12:30:39 +0000", "2018-07-05T12:30:39Z"),
    clean("Thu, 9 Jul 2020 16:19:00 +0200", "2020-07-09T14:19:00Z"),
    clean("Tue,  5 Jul 2005 09:00:00 -0700 ", "2005-07-05T16:00:00Z"),
    clean("Tue,  7 Jun 2005 09:00:00 -0700 ", "2005-06-07T16:00:00Z"),
    clean("Tue, 12 Jul 2005 09:00:00 -0700 ", "2005-07-12T16:00:00Z"),
    clean("Tue, 13 May 2014 16:00:32 Z", "2014-05-13T16:00:32Z"),
    clean("Tue, 13 May 2014 17:20:00 Z", "2014-05-13T17:20:00Z"),
    clean("Tue, 13 May 2014 17:40:54 Z", "2014-05-13T17:40:54Z"),
    clean("Tue, 14 Jun 2005 09:00:00 -0700 ", "2005-06-14T16:00:00Z"),
    clean("Tue, 17 Oct 2017 12:17:00 +0000", "2017-10-17T12:17:00Z"),
    clean("Tue, 19 Jan 2010 18:49:22 PST", "2010-01-20T02:49:22Z"),
    clean("Tue, 19 Jul 2005 09:00:00 -0700 ", "2005-07-19T16:00:00Z"),
    clean("Tue, 2 Aug 2011 01:30:00 EST", "2011-08-02T06:30:00Z"),
    clean("Tue, 25 Mar 2008 15:33:09 PST", "2008-03-25T23:33:09Z"),
    clean("Tue, 26 Jul 2005 09:00:00 -0700 ", "2005-07-26T16:00:00Z"),
    clean("Tue, 26 Jul 2016 15:10:00 PST", "2016-07-26T23:10:00Z"),
    clean("Tue, 31 May 2005 09:00:00 -0700 ", "2005-05-31T16:00:00Z"),
    clean("Tue, 4 Nov 2025 14:25:56  EST", "2025-11-04T19:25:56Z"),
    clean("Tue, 4 Nov 2025 18:21:59  EST", "2025-11-04T23:21:59Z"),
    clean("Tue, 5 Apr 2022 20:33:23 +0000", "2022-04-05T20:33:23Z"),
    clean("Tue, 6 Dec 2011 15:07:29 EST", "2011-12-06T20:07:29Z"),
    clean("Wed, 14 May 2014 09:00:00 Z", "2014-05-14T09:00:00Z"),
    clean("Wed, 14 May 2014 10:00:00 Z", "2014-05-14T10:00:00Z"),
    clean("Wed, 14 May 2014 10:26:18 Z", "2014-05-14T10:26:18Z"),
    clean("Wed, 14 May 2014 11:11:11 Z", "2014-05-14T11:11:11Z"),
    clean("Wed, 14 May 2014 11:30:11 Z", "2014-05-14T11:30:11Z"),
    clean("Wed, 14 May 2014 14:20:00 Z", "2014-05-14T14:20:00Z"),
    clean("Wed, 14 May 2014 17:15:00 Z", "2014-05-14T17:15:00Z"),
    clean("Wed, 14 May 2014 17:30:00 Z", "2014-05-14T17:30:00Z"),
    clean("Wed, 16 Jun 2010 00:20:48 PST", "2010-06-16T08:20:48Z"),
    clean("Wed, 17 Aug 2022 00:00:00 GMT", "2022-08-17T00:00:00Z"),
    clean("Wed, 18 May 2022 00:00:00 GMT", "2022-05-18T00:00:00Z"),
    clean("Wed, 22 Jan 2014 18:18:33 Z", "2014-01-22T18:18:33Z"),
    clean("Wed, 23 Oct 2024 15:00:00 GMT", "2024-10-23T15:00:00Z"),
    clean("Wed, 29 Oct 2025 14:58:20 GMT", "2025-10-29T14:58:20Z"),
    clean("Wed, 4 Jan 2017 12:48:08 +0100", "2017-01-04T11:48:08Z"),
    warned("Wed, 5 Dec 2005 10:30:00 GMT", "2005-12-05T10:30:00Z", "(2005-12-05 is a Monday)"),
    clean("Wed, 5 Nov 2025 00:57:07  EST", "2025-11-05T05:57:07Z"),
    clean("Wed, 5 Nov 2025 04:36:41  EST", "2025-11-05T09:36:41Z"),
    clean("Wed, 5 Nov 2025 04:58:21  EST", "2025-11-05T09:58:21Z"),
    clean("Wed, 5 Nov 2025 06:29:52  EST", "2025-11-05T11:29:52Z"),
    clean("Wed, 5 Nov 2025 06:48:05  EST", "2025-11-05T11:48:05Z"),
    clean("Wed, 5 Nov 2025 07:00:00  EST", "2025-11-05T12:00:00Z"),
    clean("Wed, 5 Nov 2025 07:22:56  EST", "2025-11-05T12:22:56Z"),
    clean("Wed, 5 Nov 2025 11:05:00  EST", "2025-11-05T16:05:00Z"),
    clean("Wed, 5 Nov 2025 13:48:21  EST", "2025-11-05T18:48:21Z"),
    clean("Wed, 5 Nov 2025 13:52:10  EST", "2025-11-05T18:52:10Z"),
    clean("Wed, 6 Apr 2022 19:04:29 +0000", "2022-04-06T19:04:29Z"),
    clean("Wed, 6 Apr 2022 19:16:37 +0000", "2022-04-06T19:16:37Z"),
    clean("Wed, 6 Apr 2022 21:23:54 +0000", "2022-04-06T21:23:54Z"),
    clean("Wed, 8 Aug 2012 09:26:37 EST", "2012-08-08T14:26:37Z"),
    clean("Wed, 8 Aug 2012 10:41:13 EST", "2012-08-08T15:41:13Z"),
    clean("Wed, 8 Aug 2012 11:44:54 EST", "2012-08-08T16:44:54Z"),
]

/// Text that is no date, or a date that does not exist: null, and a warning that says so.
private let unreadableCases: [DateCase] = [
    unreadable("Foo 32, 2004", "no month"),
    unreadable("yesterday", "no month"),
    unreadable("N/A", "no month"),
    unreadable("TBD"),
    unreadable("0"),
    unreadable("-"),
    unreadable("Sun, 16 Dec 2012 1:2:3:4 GMT", "bad time"),
    unreadable("Sun, 16 zzz 2012 11:47:32 GMT", "no month"),
    unreadable("Sun, Dec x 2012 11:47:32 GMT", "no day"),
    unreadable("Sun, 16 Dec zz 11:47:32 GMT", "no year"),
    unreadable("Sun, 16 Dec 2012 11:47:32 +zz:00", "bad time zone offset"),
    unreadable("Sun, 16 Dec 2012 11:47:32 +00:zz", "bad time zone offset"),
    unreadable("Sun, 99 Jun 2009 12:00:00 GMT", "day 99 does not exist in June 2009"),
    unreadable("Mon, 31 Apr 2004 10:00:00 GMT", "day 31 does not exist in April 2004"),
    unreadable("Sun, 31 Dec 9999 23:59:59 -9999", "time zone offset out of range"),
    unreadable("Fri, 11 Mar 2016 01:15:00 +3000", "time zone offset out of range"),
    unreadable("Mon, 26 Jan 2004 25:00:00 GMT", "time 25:00:00 does not exist"),
    unreadable("Mon, 26 Jan 2004 13:00 PM GMT", "hour 13 with am or pm"),
    unreadable("Mon, 26 Jan 2004 16:31:00 GMT 17:00:00", "two times"),
    unreadable("26 Jan Feb 2004", "two months"),
    unreadable("9999-12-31T23:59:59-99:99", "time zone offset out of range"),
    unreadable("9999-12-31T23:59:59-01:00", "outside the years 1 to 9999"),
    unreadable("0001-01-01T00:00:00+01:00", "outside the years 1 to 9999"),
    unreadable("2003-12-31T25:14:55Z", "time 25:14:55 does not exist"),
    unreadable("2003-12-31T10:61:55Z", "time 10:61:55 does not exist"),
    unreadable("2003-12-31T10:14:61Z", "time 10:14:61 does not exist"),
    unreadable("2003-12-31T24:00:01Z", "does not exist"),
    unreadable("2003-12-31T", "no time after \"T\""),
    unreadable("2003-02-29", "day 29 does not exist in February 2003"),
    unreadable("2003-13-01", "month 13 does not exist"),
    unreadable("2003-00-10", "month 0 does not exist"),
    unreadable("0000-00-00 00:00:00", "year 0 out of range"),
    unreadable("0000-00-00T00:00:00Z", "year 0 out of range"),
    unreadable("2003-366", "day 366 of the year does not exist"),
    unreadable("2003-000", "day 0 of the year does not exist"),
    unreadable("2003-W53-1", "week 53 day 1 does not exist in 2003"),
    unreadable("2003-W01-8", "does not exist"),
    unreadable("2003-W1", "bad week date"),
    unreadable("22013", "no month"),
    unreadable("013", "no month"),
    unreadable("2013-xx-27", "no month"),
    unreadable("2013-01-28T09:xx:00Z", "bad minutes"),
    unreadable("2013-01-28T09:00:00+00:xx", "bad time zone offset"),
    unreadable("2013-01-28T09:00:00+", "bad time zone offset"),
    unreadable("2013-01-28T09:00:00+123456", "bad time zone offset"),
    unreadable("2003-12-31T1:2:3:4Z"),
    unreadable("01/02/2004", "could be either way round"),
    unreadable("03-12-31", "could be either way round"),
    unreadable("031231", "no month"),
    unreadable("12345678901234567890", "no month"),
    unreadable("99999999999999999999999999999 Jan 2004", "no day"),
    unreadable("26 Jan 99999999999999999999", "no year"),
    unreadable("Mon, 26 Jan 2004 99999999999999999999:00 GMT", "bad time"),
    unreadable(String(repeating: "Mon, 26 Jan 2004 ", count: 20), "too long"),
    unreadable("日本語のテキスト", "no month"),
    unreadable("\u{0}\u{1}\u{7F}", "no month"),
]

@Suite("Feed date parser")
struct DateParserTests {
    static let readableCases =
        feedparserCases + rfc822Cases + localizedCases + iso8601Cases + warnedCases + realWorldCases

    @Test(
        "reads real-world dates to RFC 3339 in UTC, warning only where something was ignored or guessed",
        arguments: readableCases)
    func readsDate(_ date: DateCase) throws {
        let result = DateParser.parse(date.input)
        #expect(result.timestamp?.rfc3339 == date.expected)
        if let phrase = date.warning {
            let warning = try #require(result.warning)
            #expect(hasPrefix(warning, "date \""), "\(warning)")
            #expect(warning.contains(phrase), "\(warning)")
        } else {
            #expect(result.warning == nil)
        }
    }

    @Test("unreadable text is a null date and a warning that names it", arguments: unreadableCases)
    func refusesUnreadable(_ date: DateCase) throws {
        let result = DateParser.parse(date.input)
        #expect(result.timestamp == nil)
        let warning = try #require(result.warning)
        #expect(hasPrefix(warning, "unreadable date \""), "\(warning)")
        if let phrase = date.warning { #expect(warning.contains(phrase), "\(warning)") }
    }

    @Test("empty and blank text is an empty date", arguments: ["", " ", "\n\t ", "\u{00A0}"])
    func emptyText(_ text: String) {
        #expect(DateParser.parse(text) == DateParseResult(timestamp: nil, warning: "empty date"))
    }

    @Test("the warning quotes the date and says what was guessed, in one sentence")
    func warningWording() {
        #expect(
            DateParser.parse("Mon, 26 Jan 2004 16:31:00 XYZ").warning
                == "date \"Mon, 26 Jan 2004 16:31:00 XYZ\": unknown time zone \"XYZ\", read as UTC")
        #expect(DateParser.parse("Foo 32, 2004").warning == "unreadable date \"Foo 32, 2004\": no month")
        #expect(
            DateParser.parse("Tue, 26 Jan 04 16:31:00 XYZ").warning
                == "date \"Tue, 26 Jan 04 16:31:00 XYZ\": two-digit year \"04\" read as 2004; unknown time zone "
                + "\"XYZ\", read as UTC; weekday \"Tue\" is wrong (2004-01-26 is a Monday), ignored")
    }

    @Test("a long unreadable text is cut in the warning")
    func longTextIsCut() throws {
        let text = "é" + String(repeating: "x", count: 100)
        let warning = try #require(DateParser.parse(text).warning)
        #expect(warning.count < 110)
        #expect(warning.hasSuffix("…\": no month"))
    }

    @Test("dates from 1600 to 2400 survive RFC 3339 and RFC 822 round trips")
    func roundTrips() throws {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        var stamp = try #require(Timestamp(year: 1600, month: 1, day: 1, hour: 7, minute: 8, second: 9))
        let end = try #require(Timestamp(year: 2400, month: 1, day: 1))
        while stamp < end {
            let c = stamp.components
            let iso = DateParser.parse(stamp.rfc3339)
            #expect(iso == DateParseResult(timestamp: stamp, warning: nil))
            let weekday = try #require(DateParser.weekday(year: c.year, month: c.month, day: c.day))
            let time = String(stamp.rfc3339.dropFirst(11).prefix(8))
            let rfc822 = "\(days[weekday]), \(c.day) \(months[c.month - 1]) \(c.year) \(time) GMT"
            #expect(DateParser.parse(rfc822) == DateParseResult(timestamp: stamp, warning: nil), "\(rfc822)")
            stamp.secondsSince1970 += 86_400 * 7 + 3_607
        }
    }

    @Test("random bytes and mutated dates never crash: each result is null with a warning, or a valid date")
    func fuzz() {
        var random = SplitMix64(seed: 0x5EED_DA7E)
        let seeds = Self.readableCases.map(\.input) + unreadableCases.map(\.input)
        let alphabet = Array("0123456789 :+-./,TtZzWAPMampGMTUTJanDecMon()'年월日\u{00A0}é".unicodeScalars)
        var readCount = 0
        for round in 0..<20_000 {
            let text: String
            if round % 4 == 0 {
                // Random bytes, decoded leniently as a feed's text would be.
                let length = Int(random.next() % 40)
                let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                text = String(decoding: bytes, as: UTF8.self)
            } else {
                var scalars = Array(seeds[Int(random.next() % UInt64(seeds.count))].unicodeScalars)
                for _ in 0..<(1 + random.next() % 4) {
                    let position = scalars.isEmpty ? 0 : Int(random.next() % UInt64(scalars.count))
                    let scalar = alphabet[Int(random.next() % UInt64(alphabet.count))]
                    switch random.next() % 4 {
                    case 0: scalars.insert(scalar, at: position)
                    case 1: if !scalars.isEmpty { scalars.remove(at: position) }
                    case 2: if !scalars.isEmpty { scalars[position] = scalar }
                    default: scalars.insert(contentsOf: scalars[position...].prefix(6), at: position)
                    }
                }
                var mutated = String.UnicodeScalarView()
                mutated.append(contentsOf: scalars)
                text = String(mutated)
            }
            let result = DateParser.parse(text)
            if let timestamp = result.timestamp {
                readCount += 1
                #expect(DateParser.representable.contains(timestamp.secondsSince1970), "\(text)")
                #expect(DateParser.parse(timestamp.rfc3339) == DateParseResult(timestamp: timestamp, warning: nil))
                if let warning = result.warning { #expect(hasPrefix(warning, "date \""), "\(text)") }
            } else {
                let warning = result.warning ?? ""
                #expect(hasPrefix(warning, "unreadable date \"") || warning == "empty date", "\(text)")
            }
        }
        // The mutations keep many dates readable, so both branches above are exercised.
        #expect(readCount > 1_000)
    }
}

/// A small deterministic generator (SplitMix64), so the fuzz test sees the same inputs on every run.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
