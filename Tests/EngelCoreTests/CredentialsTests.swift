import EngelCore
import Testing

@Suite("Credentials")
struct CredentialsTests {
    @Test("the hash is hex(HMAC-SHA256(key: secret, message: key))")
    func derivation() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        #expect(
            IssuedCredentials.derivedHash(key: "what do ya want for nothing?", secret: "Jefe")
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("generated credentials have the panel's shapes")
    func shapes() {
        let issued = IssuedCredentials.generate()
        let hex = Set("0123456789abcdef")
        #expect(issued.key.count == 32 && issued.key.allSatisfy(hex.contains))
        #expect(issued.secret.count == 64 && issued.secret.allSatisfy(hex.contains))
        #expect(issued.hash.count == 64 && issued.hash.allSatisfy(hex.contains))
        #expect(issued.hash == IssuedCredentials.derivedHash(key: issued.key, secret: issued.secret))
        #expect(IssuedCredentials.generate().key != issued.key)
    }

    @Test("digests match the same hash in any letter case, and nothing else")
    func digests() throws {
        let issued = IssuedCredentials.generate()
        let upper = try Credentials(key: issued.key.uppercased(), hash: issued.hash.uppercased())
        #expect(issued.hashDigest.matches(upper.hashDigest))
        #expect(upper.key == issued.key)
        #expect(!issued.hashDigest.matches(HashDigest(of: issued.secret)))
        #expect(HashDigest(hexadecimal: issued.hashDigest.hexadecimal) == issued.hashDigest)
        #expect(HashDigest(hexadecimal: "zz") == nil)
    }

    @Test("missing or empty key or hash is 401", arguments: [(nil, "h"), ("k", nil), ("", "h"), ("k", ""), (nil, nil)])
    func missing(key: String?, hash: String?) {
        #expect(throws: APIError(.unauthorized, "missing key or hash")) { try Credentials(key: key, hash: hash) }
    }

    @Test("credentials never print themselves")
    func redacted() throws {
        let credentials = try Credentials(key: "k1", hash: "h1")
        #expect(!"\(credentials)".contains("h1"))
        #expect(!"\(credentials.hashDigest)".contains(credentials.hashDigest.hexadecimal))
    }

    @Test("account names", arguments: [("acme", true), ("a.b_c-9", true), ("", false), ("a b", false), ("ç", false)])
    func accountNames(name: String, valid: Bool) {
        #expect(((try? AccountName(name)) != nil) == valid)
    }

    @Test("statuses carry the live API's exact Turkish messages")
    func messages() {
        let expected: [Int: String] = [
            200: "İşlem başarılı", 400: "İstek çözümlenemedi", 401: "Üyelik bilgileri hatalı",
            404: "API istek yapılan yönteme sahip değil", 466: "Hatalı numara",
            474: "Bu numara üzerindeki engelleme kaldırılamaz", 503: "Sunucu geçici olarak servis dışı",
        ]
        #expect(Dictionary(uniqueKeysWithValues: APIStatus.allCases.map { ($0.code, $0.message) }) == expected)
    }
}
