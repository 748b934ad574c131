import EngelCore
import EngelWire
import Foundation
import Testing

/// The XML parser on its own: which documents it reads, into which trees, and which it refuses.
@Suite("XML parser")
struct XMLParserTests {
    struct WellFormed: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let document: [UInt8]
        let tree: WireXMLElement

        init(_ name: String, _ document: String, _ tree: WireXMLElement) {
            self.init(name, Array(document.utf8), tree)
        }

        init(_ name: String, _ document: [UInt8], _ tree: WireXMLElement) {
            self.testDescription = name
            self.document = document
            self.tree = tree
        }
    }

    struct Malformed: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let document: [UInt8]
        /// The exact reason, for the few that are checked; otherwise only the status is.
        let reason: String?

        init(_ name: String, _ document: String, reason: String? = nil) {
            self.init(name, Array(document.utf8), reason: reason)
        }

        init(_ name: String, _ document: [UInt8], reason: String? = nil) {
            self.testDescription = name
            self.document = document
            self.reason = reason
        }
    }

    static func parse(_ document: [UInt8]) -> Result<WireXMLElement, APIError> {
        Result { () throws(APIError) in try WireXMLElement.parse(document: Data(document)) }
    }

    /// An element with text and children, in the order a document spells them.
    static func element(_ name: String, _ text: String = "", _ children: WireXMLElement...) -> WireXMLElement {
        WireXMLElement(name: name, children: children, text: text)
    }

    /// `depth` elements named `a`, each inside the one before, the innermost holding `1`.
    static func nested(_ depth: Int) -> (document: String, tree: WireXMLElement) {
        let document = String(repeating: "<a>", count: depth) + "1" + String(repeating: "</a>", count: depth)
        var tree = element("a", "1")
        for _ in 1..<depth { tree = element("a", "", tree) }
        return (document, tree)
    }

    static let key = "0123456789abcdef0123456789abcdef"
    static let hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

    static let addRequest = element(
        "request", "",
        element("authentication", "", element("key", key), element("hash", hash)),
        element("blacklist", "", element("number", "+905321234567")))

    /// An add request as older clients indent it, with a byte order mark, the declaration and a
    /// character reference; it ends at its last `>`, so only the whole of it is a document.
    static let indentedAddRequest =
        "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<request>\n  <authentication>\n"
        + "    <key>\(key)</key>\n    <hash><![CDATA[\(hash)]]></hash>\n  </authentication>\n"
        + "  <blacklist>\n    <number>&#43;905321234567</number>\n  </blacklist>\n</request>"

    /// The same request unindented, with the declaration the docs' XML samples carry.
    static let compactAddRequest =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><request><authentication><key>\(key)</key><hash>\(hash)</hash>"
        + "</authentication><blacklist><number>+905321234567</number></blacklist></request>"

    static let wellFormed: [WellFormed] = [
        WellFormed("an empty-element tag", "<request/>", element("request")),
        WellFormed("an empty element", "<request></request>", element("request")),
        WellFormed(
            "whitespace in tags", "<request ><a\n/><b\t></b ></request\r\n>",
            element("request", "", element("a"), element("b"))),
        WellFormed(
            "a compact add request",
            "<request><authentication><key>\(key)</key><hash>\(hash)</hash></authentication>"
                + "<blacklist><number>+905321234567</number></blacklist></request>",
            addRequest),
        WellFormed("an indented add request", indentedAddRequest, addRequest),
        WellFormed(
            "an add request indented with CR LF and tabs",
            "<request>\r\n\t<authentication>\r\n\t\t<key>\(key)</key>\r\n\t\t<hash>\(hash)</hash>\r\n\t</authentication>"
                + "\r\n\t<blacklist><number>+905321234567</number></blacklist>\r\n</request>\r\n",
            addRequest),

        // The declaration and the byte order mark.
        WellFormed("the usual declaration", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a/>", element("a")),
        WellFormed("a version alone", "<?xml version=\"1.0\"?>\n<a/>", element("a")),
        WellFormed("single quotes, a lowercase encoding", "<?xml version='1.0' encoding='utf-8'?><a/>", element("a")),
        WellFormed(
            "standalone, spaces around '='", "<?xml  version = \"1.0\"\tencoding=\"Utf-8\" standalone='yes' ?><a/>",
            element("a")),
        WellFormed("standalone without an encoding", "<?xml version=\"1.0\" standalone=\"no\"?><a/>", element("a")),
        WellFormed("version 1.1", "<?xml version=\"1.1\"?><a/>", element("a")),
        WellFormed(
            "ISO-8859-9 declared on a document that is all ASCII",
            "<?xml version=\"1.0\" encoding=\"ISO-8859-9\"?><a>x</a>", element("a", "x")),
        WellFormed(
            "windows-1254 declared on a document that is all ASCII",
            "<?xml version=\"1.0\" encoding=\"Windows-1254\"?><a/>", element("a")),
        WellFormed("a byte order mark", "\u{FEFF}<a/>", element("a")),
        WellFormed("a byte order mark and the declaration", "\u{FEFF}<?xml version=\"1.0\"?><a/>", element("a")),

        // Comments and whitespace around the root and inside it.
        WellFormed(
            "comments and whitespace around the root", " \n<!-- before -->\r\n<a/>\n<!-- after --> \t\n",
            element("a")),
        WellFormed("a comment after the declaration", "<?xml version=\"1.0\"?><!--x--><a/>", element("a")),
        WellFormed("an empty comment", "<!----><a><!----></a>", element("a")),
        WellFormed("single hyphens and markup in a comment", "<a><!-- a-b <c> &x; ]]> --></a>", element("a")),
        WellFormed(
            "a comment between children", "<a><b/><!-- c --><c/></a>", element("a", "", element("b"), element("c"))),
        WellFormed("a comment inside text", "<a>90<!-- x -->532</a>", element("a", "90532")),
        WellFormed("UTF-8 in a comment", "<a><!-- İşlem başarılı --></a>", element("a")),

        // Text: entities, character references, CDATA, line ends.
        WellFormed("the predefined entities", "<a>&lt;&gt;&amp;&apos;&quot;</a>", element("a", "<>&'\"")),
        WellFormed("decimal and hexadecimal references", "<a>&#43;90532&#x31;&#x32;</a>", element("a", "+9053212")),
        WellFormed("uppercase hexadecimal digits", "<a>&#x2b;&#x2B;</a>", element("a", "++")),
        WellFormed("leading zeros in a reference", "<a>&#0000065;&#x000041;</a>", element("a", "AA")),
        WellFormed(
            "references at the edges of Char", "<a>&#9;&#xD7FF;&#xE000;&#xFFFD;&#x10000;&#x10FFFF;</a>",
            element("a", "\t\u{D7FF}\u{E000}\u{FFFD}\u{10000}\u{10FFFF}")),
        WellFormed("an emoji by reference and as is", "<a>&#x1F600;😀</a>", element("a", "😀😀")),
        WellFormed("a CDATA section", "<a><![CDATA[+905321234567]]></a>", element("a", "+905321234567")),
        WellFormed(
            "markup inside CDATA", "<a><![CDATA[<b>&amp;</b> & <!-- ]]></a>", element("a", "<b>&amp;</b> & <!-- ")),
        WellFormed("an empty CDATA section", "<a><![CDATA[]]></a>", element("a")),
        WellFormed("CDATA split around ]]>", "<a><![CDATA[x]]]]><![CDATA[>y]]></a>", element("a", "x]]>y")),
        WellFormed("CDATA between text", "<a>0532<![CDATA[ 123]]> 45&#32;67</a>", element("a", "0532 123 45 67")),
        WellFormed("']' and ']]' and ']>' in text", "<a>] ]] ]> a]</a>", element("a", "] ]] ]> a]")),
        WellFormed("'>' in text", "<a>1 > 0</a>", element("a", "1 > 0")),
        WellFormed("CR LF and a lone CR in text", "<a>1\r\n2\r3\n\r\n</a>", element("a", "1\n2\n3\n\n")),
        WellFormed("CR LF in CDATA", "<a><![CDATA[1\r\n2\r]]></a>", element("a", "1\n2\n")),
        WellFormed("a referenced CR is kept", "<a>1&#13;&#xD;\r\n</a>", element("a", "1\r\r\n")),
        WellFormed("whitespace-only text is kept without children", "<a> \n\t</a>", element("a", " \n\t")),
        WellFormed("UTF-8 text", "<a>İşlem başarılı</a>", element("a", "İşlem başarılı")),
        WellFormed("C1 and DEL characters XML allows", "<a>\u{7F}\u{85}\u{9F}</a>", element("a", "\u{7F}\u{85}\u{9F}")),

        // Text beside child elements: indentation goes, anything else stays for the reader to refuse.
        WellFormed(
            "indentation between children", "<a>\n  <b>1</b>\n  <c/>\n</a>",
            element("a", "", element("b", "1"), element("c"))),
        WellFormed("referenced whitespace between children", "<a>&#10;<b/>&#32;</a>", element("a", "", element("b"))),
        WellFormed("Unicode whitespace between children", "<a>\u{A0}<b/>\u{3000}</a>", element("a", "", element("b"))),
        WellFormed("text before a child", "<a>x<b/></a>", element("a", "x", element("b"))),
        WellFormed("text around children", "<a> x <b/> y </a>", element("a", " x  y ", element("b"))),
        WellFormed("CDATA beside a child", "<a><![CDATA[x]]><b/></a>", element("a", "x", element("b"))),

        // Attributes are checked and dropped.
        WellFormed(
            "a namespace and attributes",
            "<request xmlns=\"http://example.com/ns\" a='1' b = \"x &amp; y&#33;\"><key k=\"\">k</key></request>",
            element("request", "", element("key", "k"))),
        WellFormed("an attribute on an empty-element tag", "<a b=\"1\"/>", element("a")),
        WellFormed("'>' and the other quote in a value", "<a b='\">' c=\"'>\"/>", element("a")),
        WellFormed(
            "32 attributes, the most allowed",
            "<a" + (1...32).map { " a\($0)='\($0)'" }.joined() + "/>", element("a")),
        WellFormed("whitespace in a value", "<a b=\" \t\r\n\"/>", element("a")),
        WellFormed(
            "prefixed names are kept as written", "<ns:request xmlns:ns=\"urn:x\"><ns:key/></ns:request>",
            element("ns:request", "", element("ns:key"))),

        // Names.
        WellFormed("name characters", "<_a-b.c:d1><Z9/></_a-b.c:d1>", element("_a-b.c:d1", "", element("Z9"))),
        WellFormed("a colon first", "<:a/>", element(":a")),
        WellFormed("non-ASCII names", "<numara><ş·̀/></numara>", element("numara", "", element("ş·̀"))),

        // Nesting.
        WellFormed("256 levels deep, the most allowed", nested(256).document, nested(256).tree),
        WellFormed(
            "repeated children in order", "<a><n>1</n><n>2</n><n>3</n></a>",
            element("a", "", element("n", "1"), element("n", "2"), element("n", "3"))),
    ]

    @Test("well-formed documents parse into their trees", arguments: wellFormed)
    func wellFormedDocument(_ example: WellFormed) throws {
        let tree = try Self.parse(example.document).get()
        #expect(tree == example.tree)
    }

    static let malformed: [Malformed] = [
        // Nothing to read.
        Malformed("an empty document", "", reason: "empty XML"),
        Malformed("whitespace only", " \r\n\t"),
        Malformed("a declaration only", "<?xml version=\"1.0\"?>"),
        Malformed("a comment only", "<!-- x -->"),
        Malformed("a byte order mark only", "\u{FEFF}"),
        Malformed(
            "half a byte order mark",
            [0xEF, 0xBB, UInt8(ascii: "<"), UInt8(ascii: "a"), UInt8(ascii: "/"), UInt8(ascii: ">")]),

        // DTDs, wherever they stand.
        Malformed("a DTD", "<!DOCTYPE request><request/>", reason: "XML with a DTD"),
        Malformed(
            "a DTD declaring an entity", "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY n \"1\">]><a>&n;</a>",
            reason: "XML with a DTD"),
        Malformed(
            "an external entity", "<!DOCTYPE a [<!ENTITY n SYSTEM \"file:///etc/hostname\">]><a>&n;</a>",
            reason: "XML with a DTD"),
        Malformed("a DTD inside the root", "<a><!DOCTYPE a></a>", reason: "XML with a DTD"),
        Malformed("a DTD after the root", "<a/><!DOCTYPE a>", reason: "XML with a DTD"),
        Malformed("a lowercase doctype", "<!doctype a><a/>"),

        // Processing instructions other than the leading declaration.
        Malformed("the fuzzer's <?xm?>", "<requ<rowCount>ntication<haonpage><vo<?xm?>est>"),
        Malformed("<?xm?> in the root", "<request><?xm?></request>", reason: "XML with a processing instruction"),
        Malformed("a processing instruction with data", "<request><?target some data?></request>"),
        Malformed("a processing instruction before the root", "<?target?><a/>"),
        Malformed("a processing instruction after the root", "<a/><?target?>"),
        Malformed("a stylesheet", "<?xml version=\"1.0\"?><?xml-stylesheet href=\"a.xsl\"?><a/>"),
        Malformed("a second declaration", "<?xml version=\"1.0\"?><request><?xml version=\"1.0\"?></request>"),
        Malformed("a declaration after whitespace", " <?xml version=\"1.0\"?><request/>"),
        Malformed("a declaration after a comment", "<!-- x --><?xml version=\"1.0\"?><a/>"),
        Malformed("a declaration before the byte order mark", "<?xml version=\"1.0\"?>\u{FEFF}<a/>"),
        Malformed("a declaration with no pseudo-attributes", "<?xml?><a/>"),
        Malformed("a declaration with only a space", "<?xml ?><a/>"),

        // The declaration's own rules.
        Malformed("no version", "<?xml encoding=\"UTF-8\"?><a/>"),
        Malformed("version 2.0", "<?xml version=\"2.0\"?><a/>"),
        Malformed("version 1.", "<?xml version=\"1.\"?><a/>"),
        Malformed("version 1.x", "<?xml version=\"1.x\"?><a/>"),
        Malformed(
            "ISO-8859-9 with a byte beyond ASCII", "<?xml version=\"1.0\" encoding=\"ISO-8859-9\"?><a>ç</a>",
            reason: "XML declaring an encoding other than UTF-8"),
        Malformed("windows-1254 with a byte beyond ASCII", "<?xml version=\"1.0\" encoding=\"windows-1254\"?><a>ğ</a>"),
        Malformed("an encoding nobody reads as ASCII", "<?xml version=\"1.0\" encoding=\"EBCDIC-US\"?><a/>"),
        Malformed("UTF-16", "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>"),
        Malformed("UTF8 without the hyphen", "<?xml version=\"1.0\" encoding=\"UTF8\"?><a/>"),
        Malformed("encoding before version", "<?xml encoding=\"UTF-8\" version=\"1.0\"?><a/>"),
        Malformed("standalone before encoding", "<?xml version=\"1.0\" standalone=\"yes\" encoding=\"UTF-8\"?><a/>"),
        Malformed("encoding twice", "<?xml version=\"1.0\" encoding=\"UTF-8\" encoding=\"UTF-8\"?><a/>"),
        Malformed("an uppercase pseudo-attribute", "<?xml VERSION=\"1.0\"?><a/>"),
        Malformed("version twice", "<?xml version=\"1.0\" version=\"1.0\"?><a/>"),
        Malformed("standalone maybe", "<?xml version=\"1.0\" standalone=\"maybe\"?><a/>"),
        Malformed("an unknown pseudo-attribute", "<?xml version=\"1.0\" foo=\"bar\"?><a/>"),
        Malformed("an unquoted version", "<?xml version=1.0?><a/>"),
        Malformed("mismatched quotes", "<?xml version=\"1.0'?><a/>"),
        Malformed("no space between pseudo-attributes", "<?xml version=\"1.0\"encoding=\"UTF-8\"?><a/>"),
        Malformed("an unclosed declaration", "<?xml version=\"1.0\" <a/>"),
        Malformed("a declaration closed by '>'", "<?xml version=\"1.0\"><a/>"),
        Malformed("an uppercase declaration", "<?XML version=\"1.0\"?><a/>"),

        // Entities and references.
        Malformed("an unknown entity", "<a>&nbsp;</a>", reason: "XML with an unknown entity"),
        Malformed("an entity a DTD would declare", "<a>&n;</a>"),
        Malformed("an uppercase predefined entity", "<a>&AMP;</a>"),
        Malformed("a bare ampersand", "<a>905&321234567</a>"),
        Malformed("an ampersand and a space", "<a>a & b</a>"),
        Malformed("an entity without ';'", "<a>&amp</a>"),
        Malformed("an ampersand at the end", "<a>&"),
        Malformed("an empty entity", "<a>&;</a>"),
        Malformed("an empty decimal reference", "<a>&#;</a>"),
        Malformed("an empty hexadecimal reference", "<a>&#x;</a>"),
        Malformed("an uppercase X", "<a>&#X41;</a>"),
        Malformed("a letter in a decimal reference", "<a>&#12a;</a>"),
        Malformed("a reference without ';'", "<a>&#65</a>"),
        Malformed("a reference to NUL", "<a>&#0;</a>", reason: "XML referring to a character XML does not allow"),
        Malformed("a reference to NUL in hexadecimal", "<a>&#x0;</a>"),
        Malformed("a reference to a C0 control", "<a>&#1;</a>"),
        Malformed("a reference to ESC", "<a>&#x1B;</a>"),
        Malformed("a reference to a high surrogate", "<a>&#xD800;</a>"),
        Malformed("a reference to a low surrogate", "<a>&#57343;</a>"),
        Malformed("a reference to U+FFFE", "<a>&#xFFFE;</a>"),
        Malformed("a reference to U+FFFF", "<a>&#65535;</a>"),
        Malformed("a reference past Unicode", "<a>&#x110000;</a>"),
        Malformed("a reference that overflows 32 bits", "<a>&#99999999999999999999999;</a>"),
        Malformed("a hexadecimal reference that overflows", "<a>&#xFFFFFFFFFFFFFFFFFFFF41;</a>"),
        Malformed("an entity before the root", "&amp;<a/>"),
        Malformed("an entity after the root", "<a/>&amp;"),

        // Markup characters where text belongs.
        Malformed("a bare '<'", "<a>1 < 2</a>"),
        Malformed("a lone '<'", "<a><</a>"),
        Malformed("']]>' in text", "<a>x]]>y</a>"),
        Malformed("']]>' alone", "<a>]]></a>"),
        Malformed("'<!' starting nothing", "<a><!x></a>"),
        Malformed("a lowercase CDATA", "<a><![cdata[x]]></a>"),
        Malformed("an unclosed CDATA section", "<a><![CDATA[x</a>"),
        Malformed("CDATA before the root", "<![CDATA[x]]><a/>"),
        Malformed("CDATA after the root", "<a/><![CDATA[x]]>"),

        // Tags.
        Malformed("an unclosed root", "<request><number>905321234567</number>"),
        Malformed("an unclosed child", "<a><b></a>"),
        Malformed("mismatched tags", "<a><b>1</a></b>"),
        Malformed("a wrong end tag", "<a></b>"),
        Malformed("an end tag of another case", "<a></A>"),
        Malformed("an end tag that is a prefix", "<ab></a>"),
        Malformed("an end tag that is longer", "<a></ab>"),
        Malformed("an extra end tag", "<a></a></a>"),
        Malformed("an end tag alone", "</a>"),
        Malformed("an end tag with an attribute", "<a></a b=\"1\">"),
        Malformed("an unclosed start tag", "<a"),
        Malformed("an unclosed start tag before another", "<a<b/></a>"),
        Malformed("an unclosed end tag", "<a></a"),
        Malformed("a space after '/'", "<a/ >"),
        Malformed("a space after '<'", "< a/>"),
        Malformed("a space after '</'", "<a></ a>"),
        Malformed("an empty tag", "<>"),
        Malformed("an empty end tag", "<a></>"),

        // Names.
        Malformed("a name starting with a digit", "<1a/>"),
        Malformed("a name starting with '-'", "<-a/>"),
        Malformed("a name starting with '.'", "<.a/>"),
        Malformed("a name starting with a combining mark", "<\u{300}a/>"),
        Malformed("'!' in a name", "<a!/>"),
        Malformed("'×' in a name", "<a×b/>"),
        Malformed("a name starting with '·'", "<·a/>"),

        // Attributes.
        Malformed("a repeated attribute", "<a b=\"1\" b=\"2\"/>"),
        Malformed("an attribute without a value", "<a b/>"),
        Malformed("an attribute without '='", "<a b \"1\"/>"),
        Malformed("an unquoted value", "<a b=1/>"),
        Malformed("mismatched quotes in a value", "<a b=\"1'/>"),
        Malformed("an unclosed value", "<a b=\"1/>"),
        Malformed("no space between attributes", "<a b=\"1\"c=\"2\"/>"),
        Malformed("'<' in a value", "<a b=\"<\"/>"),
        Malformed("an unknown entity in a value", "<a b=\"&nbsp;\"/>"),
        Malformed("a bare ampersand in a value", "<a b=\"&\"/>"),
        Malformed("a reference to NUL in a value", "<a b=\"&#0;\"/>"),
        Malformed("a control character in a value", "<a b=\"\u{1}\"/>"),
        Malformed("an attribute on an end tag", "<a></a c>"),
        Malformed(
            "33 attributes", "<a" + (1...33).map { " a\($0)='\($0)'" }.joined() + "/>",
            reason: "XML with more than 32 attributes on a tag"),
        Malformed("an attribute name starting with a digit", "<a 1b=\"1\"/>"),

        // Comments.
        Malformed("'--' inside a comment", "<!-- a -- b --><a/>"),
        Malformed("'--->' ending a comment", "<a><!-- a ---></a>"),
        Malformed("'<!--->'", "<!---><a/>"),
        Malformed("an unclosed comment", "<a><!-- x</a>"),
        Malformed("a comment missing a hyphen", "<!- x --><a/>"),
        Malformed("a comment inside a tag", "<a <!-- x -->/>"),

        // The root.
        Malformed("two roots", "<a/><a/>"),
        Malformed("two roots and whitespace", "<a></a>\n<b></b>"),
        Malformed("text before the root", "x<a/>"),
        Malformed("text after the root", "<a/>x"),
        Malformed("a byte order mark after the root", "<a/>\u{FEFF}"),
        Malformed("a second byte order mark", "\u{FEFF}\u{FEFF}<a/>"),
        Malformed("a non-breaking space before the root", "\u{A0}<a/>"),

        // Bytes that are not UTF-8, wherever they are.
        Malformed(
            "0xFF in text", [UInt8]("<a>1".utf8) + [0xFF] + [UInt8]("</a>".utf8), reason: "XML that is not UTF-8"),
        Malformed("a continuation byte alone", [UInt8]("<a>".utf8) + [0x80] + [UInt8]("</a>".utf8)),
        Malformed("an overlong '/'", [UInt8]("<a>".utf8) + [0xC0, 0xAF] + [UInt8]("</a>".utf8)),
        Malformed("an overlong three-byte form", [UInt8]("<a>".utf8) + [0xE0, 0x80, 0xAF] + [UInt8]("</a>".utf8)),
        Malformed("an overlong four-byte form", [UInt8]("<a>".utf8) + [0xF0, 0x80, 0x80, 0xAF] + [UInt8]("</a>".utf8)),
        Malformed("an encoded surrogate", [UInt8]("<a>".utf8) + [0xED, 0xA0, 0x80] + [UInt8]("</a>".utf8)),
        Malformed("past U+10FFFF", [UInt8]("<a>".utf8) + [0xF4, 0x90, 0x80, 0x80] + [UInt8]("</a>".utf8)),
        Malformed("a five-byte form", [UInt8]("<a>".utf8) + [0xF8, 0x88, 0x80, 0x80, 0x80] + [UInt8]("</a>".utf8)),
        Malformed("a sequence cut short", [UInt8]("<a>".utf8) + [0xE2, 0x82] + [UInt8]("</a>".utf8)),
        Malformed("a sequence cut by the end", [UInt8]("<a/>".utf8) + [0xE2, 0x82]),
        Malformed(
            "a bad byte in a name", [UInt8]("<ha".utf8) + [0xD4] + [UInt8]("h/>".utf8), reason: "XML that is not UTF-8"),
        Malformed("a bad byte first in a name", [UInt8]("<".utf8) + [0xFF] + [UInt8]("/>".utf8)),
        Malformed("a bad byte in an end tag", [UInt8]("<a></a".utf8) + [0xC3] + [UInt8](">".utf8)),
        Malformed("a bad byte in a value", [UInt8]("<a b=\"".utf8) + [0xFE] + [UInt8]("\"/>".utf8)),
        Malformed("a bad byte in a comment", [UInt8]("<!--".utf8) + [0xFF] + [UInt8]("--><a/>".utf8)),
        Malformed("a bad byte in CDATA", [UInt8]("<a><![CDATA[".utf8) + [0xC0, 0x80] + [UInt8]("]]></a>".utf8)),
        Malformed(
            "a bad byte in the declaration",
            [UInt8]("<?xml version=\"1.0\" encoding=\"".utf8) + [0xFF] + [UInt8]("\"?><a/>".utf8)),
        Malformed("a bad byte after the root", [UInt8]("<a/>".utf8) + [0xFF]),
        Malformed("Latin-5 text", [UInt8]("<a>".utf8) + [0xDD, 0xFE, 0x6C, 0x65, 0x6D] + [UInt8]("</a>".utf8)),

        // Characters XML does not allow.
        Malformed("NUL in text", "<a>1\u{0}</a>", reason: "XML with a control character"),
        Malformed("a C0 control in text", "<a>\u{1}</a>"),
        Malformed("a form feed in text", "<a>\u{C}</a>"),
        Malformed("ESC in CDATA", "<a><![CDATA[\u{1B}]]></a>"),
        Malformed("a backspace in a comment", "<a><!--\u{8}--></a>"),
        Malformed("NUL before the root", "\u{0}<a/>"),
        Malformed("NUL after the root", "<a/>\u{0}"),
        Malformed("a vertical tab in a tag", "<a\u{B}/>"),
        Malformed("U+FFFE in text", "<a>\u{FFFE}</a>"),
        Malformed("U+FFFF in CDATA", "<a><![CDATA[\u{FFFF}]]></a>"),
        Malformed("U+FFFF in a comment", "<a><!--\u{FFFF}--></a>"),

        // Nesting.
        Malformed("257 levels deep", nested(257).document, reason: "XML nested deeper than 256 elements"),
        Malformed(
            "257 levels, the last empty",
            String(repeating: "<a>", count: 256) + "<b/>" + String(repeating: "</a>", count: 256)),
        Malformed("60,000 levels deep", String(repeating: "<a>", count: 60_000)),
    ]

    @Test("malformed documents answer 400", arguments: malformed)
    func malformedDocument(_ example: Malformed) {
        switch Self.parse(example.document) {
        case .success(let tree):
            Issue.record("parsed into \(tree)")
        case .failure(let error):
            #expect(error.status == .badRequest)
            if let reason = example.reason { #expect(error.reason == reason) }
        }
    }

    @Test("every prefix of an add request short of the whole is malformed")
    func truncatedRequests() throws {
        for document in [Self.indentedAddRequest, Self.compactAddRequest] {
            let bytes = Array(document.utf8)
            for length in 0..<bytes.count {
                let parsed = Self.parse(Array(bytes[..<length]))
                #expect(parsed.failure?.status == .badRequest, "\(length) of \(bytes.count) bytes: \(parsed)")
            }
            #expect(try Self.parse(bytes).get() == Self.addRequest)
        }
    }

    @Test("a document that is a slice of a larger buffer parses the same")
    func slice() throws {
        let padded = Data(("xx" + Self.compactAddRequest + "yy").utf8)
        let document = padded[
            padded.index(padded.startIndex, offsetBy: 2)..<padded.index(padded.endIndex, offsetBy: -2)]
        #expect(try WireXMLElement.parse(document: document) == Self.addRequest)
    }

    @Test("child and childText read single children; repeated or nested ones are 400")
    func childAccess() throws {
        let tree = try Self.parse(Array("<a><b>1</b><c><d/></c><e/><e/></a>".utf8)).get()
        #expect(try tree.childText("b") == "1")
        #expect(try tree.child("c")?.children == [Self.element("d")])
        #expect(try tree.child("missing") == nil)
        #expect(try tree.childText("missing") == nil)
        #expect(throws: APIError.self) { try tree.child("e") }
        #expect(throws: APIError.self) { try tree.childText("c") }
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
