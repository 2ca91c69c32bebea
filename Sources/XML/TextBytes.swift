/// Small UTF-8 helpers shared with the layers above.
public enum TextBytes {
    /// Appends the UTF-8 form of a code point (invalid ones as U+FFFD).
    public static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        let valid = scalar <= 0x10FFFF && !(0xD800...0xDFFF).contains(scalar)
        TextDecoder.appendUTF8(valid ? scalar : 0xFFFD, to: &output)
    }

    /// The code point windows-1252 gives a byte.
    public static func windows1252(_ byte: UInt8) -> UInt32 {
        byte < 0x80 ? UInt32(byte) : TextDecoder.windows1252High[Int(byte - 0x80)]
    }
}
