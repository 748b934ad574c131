import EngelCore
import Foundation
import Testing

@Suite("Panel users, roles, passwords and session tokens")
struct PanelTests {
    @Test("a user name is 1 to 64 of a-z, 0-9, '.', '_', '-'; capitals read as lower case")
    func names() throws {
        #expect(try PanelUserName("ayse").value == "ayse")
        #expect(try PanelUserName("Ayse.K_1-x").value == "ayse.k_1-x")
        #expect(try PanelUserName(String(repeating: "a", count: 64)).value.count == 64)
        for refused in ["", String(repeating: "a", count: 65), "ayşe", "ay se", "ayse/", "panel:ayse", "AYŞE"] {
            #expect(throws: PanelUserNameError.self, "\(refused)") { try PanelUserName(refused) }
        }
    }

    @Test("a viewer reads its account, an operator also writes it, an admin does everything")
    func permissions() throws {
        let acme = try AccountName("acme")
        let globex = try AccountName("globex")
        let viewer = PanelRole.viewer(acme)
        let `operator` = PanelRole.operator(acme)
        #expect(viewer.mayRead(acme) && !viewer.mayWrite(acme))
        #expect(!viewer.mayRead(globex) && !viewer.mayWrite(globex))
        #expect(`operator`.mayRead(acme) && `operator`.mayWrite(acme))
        #expect(!`operator`.mayRead(globex) && !`operator`.mayWrite(globex))
        #expect(PanelRole.admin.mayRead(globex) && PanelRole.admin.mayWrite(globex))
        #expect(PanelRole.admin.mayManagePanelUsers)
        #expect(!viewer.mayManagePanelUsers && !`operator`.mayManagePanelUsers)
        #expect(viewer.account == acme && PanelRole.admin.account == nil)
        #expect(`operator`.description == "operator of acme")
    }

    @Test("a role is made from its kind and an account exactly when it needs one")
    func roleKinds() throws {
        let acme = try AccountName("acme")
        #expect(try PanelRole(.viewer, account: acme) == .viewer(acme))
        #expect(try PanelRole(.operator, account: acme) == .operator(acme))
        #expect(try PanelRole(.admin, account: nil) == .admin)
        #expect(throws: PanelRoleError.accountMissing(.viewer)) { try PanelRole(.viewer, account: nil) }
        #expect(throws: PanelRoleError.accountMissing(.operator)) { try PanelRole(.operator, account: nil) }
        #expect(throws: PanelRoleError.adminWithAccount) { try PanelRole(.admin, account: acme) }
        #expect(PanelRole.Kind.allCases.map(\.rawValue) == ["viewer", "operator", "admin"])
    }

    @Test("a password has 10 characters or more, 72 bytes or fewer, and no control character")
    func passwords() throws {
        #expect(try PanelPassword("0123456789").text == "0123456789")
        #expect(try PanelPassword(String(repeating: "ş", count: 36)).text.utf8.count == 72)
        #expect(throws: PanelPasswordError.tooShort) { try PanelPassword("012345678") }
        #expect(throws: PanelPasswordError.tooLong) { try PanelPassword(String(repeating: "ş", count: 37)) }
        #expect(throws: PanelPasswordError.controlCharacters) { try PanelPassword("0123456789\n") }
        #expect(throws: PanelPasswordError.controlCharacters) { try PanelPassword("01234\u{0}56789") }
        #expect(try PanelPassword("0123456789").description == "PanelPassword(redacted)")
    }

    @Test("a session token is 64 random hex digits; the store sees only its SHA-256")
    func tokens() throws {
        let token = PanelSessionToken.generate()
        #expect(token.value.count == 64)
        #expect(PanelSessionToken(token.value) == token)
        #expect(PanelSessionToken.generate() != token)
        #expect(token.digest.hexadecimal.count == 64)
        #expect(token.digest != PanelSessionToken.generate().digest)
        #expect(token.description == "PanelSessionToken(redacted)")
        // The digest is SHA-256 of the token as text (as `printf %s TOKEN | sha256sum` gives it).
        let zeros = try #require(PanelSessionToken(String(repeating: "0", count: 64)))
        #expect(zeros.digest.hexadecimal == "60e05bd1b195af2f94112fa7197a5c88289058840ce7c6df9693756bc6250f55")
        for refused in [
            "", String(repeating: "0", count: 63), String(repeating: "A", count: 64), String(repeating: "g", count: 64),
        ] {
            #expect(PanelSessionToken(refused) == nil)
        }
    }

    @Test("a session lasts while used within the idle timeout, and never past the absolute one")
    func policy() {
        let policy = PanelSessionPolicy(idleTimeout: .milliseconds(100), absoluteTimeout: .seconds(1))
        let start = Date(timeIntervalSince1970: 1_775_000_000)
        func at(_ milliseconds: Double) -> Date { start.addingTimeInterval(milliseconds / 1000) }
        #expect(policy.isLive(createdAt: start, lastSeenAt: start, at: at(99)))
        #expect(!policy.isLive(createdAt: start, lastSeenAt: start, at: at(100)))
        #expect(policy.isLive(createdAt: start, lastSeenAt: at(950), at: at(999)))
        #expect(!policy.isLive(createdAt: start, lastSeenAt: at(950), at: at(1000)))
        #expect(PanelSessionPolicy.standard.idleTimeout == .seconds(8 * 3600))
        #expect(PanelSessionPolicy.standard.absoluteTimeout == .seconds(7 * 86_400))
        #expect(policy.idleMicroseconds == 100_000 && policy.absoluteMicroseconds == 1_000_000)
    }
}
