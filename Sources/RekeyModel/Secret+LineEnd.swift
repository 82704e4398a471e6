// A secret a person typed, piped or saved in an editor ends in a line end that is not
// part of it: `\n`, `\r\n` (a Windows editor) or `\r`. Swift's `hasSuffix("\n")` does
// not see the grapheme `"\r\n"`, so the trimming works on Unicode scalars.

extension Secret {
    /// `text` without the line ends (`\n`, `\r\n`, `\r`, any number of them) at its end;
    /// everything before them, spaces and inner line breaks included, is kept.
    public init(strippingLineEnd text: String) {
        var scalars = text.unicodeScalars
        while let last = scalars.last, last == "\n" || last == "\r" { scalars.removeLast() }
        self.init(String(scalars))
    }
}
