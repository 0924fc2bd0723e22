namespace Analysis.Domain;

/// <summary>
/// Folds full-width forms (common in Chinese input: "１２", "Ａ") to ASCII. The suite runs with
/// invariant globalization, where string.Normalize(FormKC) does not fold them.
/// </summary>
public static class TextFolding
{
    public static string Fold(string text)
        => string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = c switch
                {
                    >= '\uFF01' and <= '\uFF5E' => (char)(c - 0xFEE0),
                    '\u3000' => ' ',
                    _ => c,
                };
            }
        });
}
