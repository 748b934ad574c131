import Crypto
import Foundation

/// The `key` and `hash` a request authenticates with.
///
/// Both are credentials: never log them, never echo them. `description` is redacted.
public struct Credentials: Sendable, CustomStringConvertible {
    /// The account's public API key, 32 lowercase hex characters.
    public let key: String
    /// The hash the panel shows: hex(HMAC-SHA256(key: secret, message: key)).
    public let hash: String

    /// Creates credentials; a missing or empty key or hash is ``APIStatus/unauthorized``.
    public init(key: String?, hash: String?) throws(APIError) {
        guard let key, !key.isEmpty, let hash, !hash.isEmpty else {
            throw APIError(.unauthorized, "missing key or hash")
        }
        // Hex is case-insensitive; clients that upper-case it still mean the same credential.
        self.key = key.lowercasedIfNeeded
        self.hash = hash.lowercasedIfNeeded
    }

    public var description: String { "Credentials(redacted)" }

    /// The digest the stores keep instead of the hash itself.
    public var hashDigest: HashDigest { HashDigest(of: hash) }
}

/// A SHA-256 digest of an account's hash: what is stored at rest instead of the hash.
///
/// The hash is 256 random bits behind an HMAC, so a fast digest is enough: there is nothing to
/// brute-force, and the digest still keeps a copied database from authenticating.
public struct HashDigest: Sendable, Hashable, CustomStringConvertible {
    /// The 32 digest bytes.
    public let bytes: [UInt8]

    /// Digests `hash` (lower-cased first).
    public init(of hash: String) {
        var text = hash.lowercasedIfNeeded
        let digest = text.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
        bytes = digest.withUnsafeBytes { Array($0) }
    }

    /// Restores a stored digest.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Compares in time independent of where the digests differ.
    public func matches(_ other: HashDigest) -> Bool {
        guard bytes.count == other.bytes.count else { return false }
        var difference: UInt8 = 0
        for index in bytes.indices {
            difference |= bytes[index] ^ other.bytes[index]
        }
        return difference == 0
    }

    public var description: String { "HashDigest(redacted)" }
}

/// A freshly generated key, secret and hash, shown to the account's owner once.
public struct IssuedCredentials: Sendable, Codable, Hashable {
    /// The API key: 32 lowercase hex characters.
    public let key: String
    /// The panel secret: 64 lowercase hex characters. Older clients derive the hash from it.
    public let secret: String
    /// hex(HMAC-SHA256(key: secret, message: key)): what newer clients send verbatim.
    public let hash: String

    /// Generates a new random key and secret.
    public static func generate() -> IssuedCredentials {
        issue(key: randomHex(bytes: 16))
    }

    /// Generates a new secret (and so a new hash) for an existing `key`.
    public static func issue(key: String) -> IssuedCredentials {
        let secret = randomHex(bytes: 32)
        return IssuedCredentials(key: key, secret: secret, hash: derivedHash(key: key, secret: secret))
    }

    /// The hash an iletiMerkezi client derives: hex(HMAC-SHA256(key: secret, message: key)).
    public static func derivedHash(key: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data(key.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return hex(Array(mac))
    }

    /// The digest the store keeps for ``hash``.
    public var hashDigest: HashDigest { HashDigest(of: hash) }

    static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return hex((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension HashDigest {
    /// The digest as lowercase hex, as stores keep it.
    public var hexadecimal: String { IssuedCredentials.hex(bytes) }

    /// Restores a digest stored as hex; `nil` unless it is 64 hex characters.
    public init?(hexadecimal: String) {
        let utf8 = Array(hexadecimal.utf8)
        guard utf8.count == 64 else { return nil }
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.init(bytes: bytes)
    }
}

extension String {
    /// The string lower-cased, or itself without a copy when nothing in it has a lower case other
    /// than itself: what every well-formed key and hash (lowercase hex) is.
    var lowercasedIfNeeded: String {
        // Over the contiguous bytes: walking the UTF-8 view cost a page's request about 0.3 us, for
        // a key and a hash checked twice (a profile of the release server, session 19).
        let needsLowering =
            utf8.withContiguousStorageIfAvailable { bytes in
                bytes.contains { byte in byte &- UInt8(ascii: "A") < 26 || byte >= 0x80 }
            } ?? true
        return needsLowering ? lowercased() : self
    }
}
