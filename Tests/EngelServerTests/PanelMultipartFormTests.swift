import Testing

@testable import EngelServer

@Suite("Panel multipart form")
struct PanelMultipartFormTests {
    static func form(_ body: String, boundary: String = "b0undary") -> PanelMultipartForm? {
        PanelMultipartForm(body: Array(body.utf8), contentType: "multipart/form-data; boundary=\(boundary)")
    }

    @Test("fields and a file are read in order, with the file's name; a preamble is ignored")
    func fields() throws {
        let body =
            "preamble\r\n--b0undary\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n"
            + "--b0undary\r\ncontent-disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\";c.csv\"\r\n"
            + "Content-Type: text/csv\r\n\r\nline 1\r\n--b0undar\r\nline 3\r\n--b0undary--\r\n"
        let form = try #require(Self.form(body))
        #expect(form.parts.map(\.name) == ["csrf", "file"])
        #expect(form["csrf"]?.text == "abc")
        #expect(form["csrf"]?.fileName == nil)
        #expect(form["file"]?.fileName == "a \"b\";c.csv")
        #expect(form["file"]?.text == "line 1\r\n--b0undar\r\nline 3")
    }

    @Test("the boundary may be quoted; the content type must be multipart/form-data")
    func boundary() {
        #expect(PanelMultipartForm.boundary(of: #"multipart/form-data; boundary="a b""#) == "a b")
        #expect(PanelMultipartForm.boundary(of: "Multipart/Form-Data;boundary=xyz;charset=utf-8") == "xyz")
        #expect(PanelMultipartForm.boundary(of: "application/x-www-form-urlencoded") == nil)
        #expect(PanelMultipartForm.boundary(of: "multipart/form-data") == nil)
        #expect(
            PanelMultipartForm.boundary(of: "multipart/form-data; boundary=" + String(repeating: "x", count: 71)) == nil
        )
    }

    @Test("a body that breaks the format makes no form")
    func malformed() {
        #expect(Self.form("") == nil)
        #expect(Self.form("--b0undary\r\nContent-Disposition: form-data; name=\"a\"\r\n") == nil)
        #expect(Self.form("--b0undary\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue") == nil)
        #expect(Self.form("--b0undaryX\r\n\r\n") == nil)
        #expect(Self.form("--b0undary--\r\n")?.parts.isEmpty == true)
    }
}
