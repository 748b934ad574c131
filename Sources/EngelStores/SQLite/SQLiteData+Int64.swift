import SQLiteNIO

// SQLite integers are 64-bit; sqlite-nio spells them `Int`. These keep the store in `Int64`.
extension SQLiteData {
    static func int64(_ value: Int64) -> SQLiteData { .integer(Int(value)) }

    var int64: Int64? { integer.map(Int64.init) }
}
