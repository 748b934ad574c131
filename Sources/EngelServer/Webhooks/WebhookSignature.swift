import Crypto
public import Foundation

/// A webhook's signing secret, and the signature of a delivery (DESIGN.md, "Webhooks").
public enum WebhookSignature {
    /// What every secret starts with, so that a leaked one is recognised for what it is.
    public static let secretPrefix = "whsec_"

    /// How many letters and digits follow the prefix in a secret Engel makes: about 190 bits.
    static let generatedLength = 32

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    /// A new secret: `whsec_` and 32 letters and digits from the system's cryptographic generator.
    public static func generateSecret() -> String {
        // SystemRandomNumberGenerator reads the kernel's CSPRNG (getrandom, arc4random), and
        // `random(in:)` draws without modulo bias.
        var generator = SystemRandomNumberGenerator()
        let body = (0..<generatedLength).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        return secretPrefix + String(body)
    }

    /// Whether `secret` has a secret's form: `whsec_` and at least 32 ASCII letters and digits.
    public static func isValidSecret(_ secret: String) -> Bool {
        guard secret.hasPrefix(secretPrefix) else { return false }
        let body = secret.utf8.dropFirst(secretPrefix.utf8.count)
        return body.count >= generatedLength
            && body.allSatisfy {
                (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0)
            }
    }

    /// The `Engel-Signature` header of `body` sent at `timestamp` (unix seconds):
    /// `v1=` and the hex HMAC-SHA256, keyed by the secret's whole text, of `"<timestamp>.<body>"`.
    public static func header(secret: String, timestamp: Int64, body: some Sequence<UInt8>) -> String {
        var message = Array(String(timestamp).utf8)
        message.append(UInt8(ascii: "."))
        message.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return "v1=" + mac.map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined()
    }

    /// The `Engel-Timestamp` of a delivery sent at `date`: whole unix seconds.
    public static func timestamp(_ date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded(.down))
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
