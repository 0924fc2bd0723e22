using System.Text.RegularExpressions;
using Contracts.Common.V1;

namespace ServiceDefaults.Privacy;

/// <summary>
/// Masks what identifies a person or their money before it reaches a log line or a trace: phone numbers,
/// bank card and account numbers, payment accounts (e-mail style) and resident ID numbers. The last four
/// characters stay, enough for an operator to tell two numbers apart; nothing else does.
/// </summary>
public static partial class SensitiveData
{
    private const string Mask = "***";

    /// <summary>Every sensitive number or account found in free text, masked; everything else unchanged.</summary>
    public static string MaskText(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }
        if (!MayHoldSensitive(text))
        {
            return text;
        }
        return Sensitive().Replace(text, match => match.Groups["email"].Success ? MaskEmail(match.Value) : KeepLastFour(match.Value));
    }

    /// <summary>An identifier's value as it may be logged: masked when its type is a personal or financial one.</summary>
    public static string MaskIdentifier(IdentifierType type, string value) => type switch
    {
        IdentifierType.Phone or IdentifierType.BankAccount or IdentifierType.PaymentAccount or IdentifierType.IdNumber
            => value.Contains('@') ? MaskEmail(value) : KeepLastFour(value),
        _ => MaskText(value),
    };

    /// <summary>
    /// Every pattern below is an e-mail or has at least <see cref="FewestDigits"/> digits; most span tags and log
    /// lines (paths, ids, counts) have neither, and this check is far cheaper than the regular expression.
    /// </summary>
    private static bool MayHoldSensitive(ReadOnlySpan<char> text)
    {
        if (text.Contains('@'))
        {
            return true;
        }
        var digits = 0;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c) && ++digits >= FewestDigits)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The fewest digits any masked number has: an international number "+1 23 45".</summary>
    private const int FewestDigits = 5;

    private static string KeepLastFour(string value)
    {
        var kept = new string(value.Where(char.IsAsciiLetterOrDigit).ToArray());
        return kept.Length <= 4 ? Mask : Mask + kept[^4..];
    }

    private static string MaskEmail(string value)
    {
        var at = value.IndexOf('@');
        return at <= 0 ? Mask : value[0] + Mask + value[at..];
    }

    // Alternatives, each bounded so that it never eats into ids, hashes or dates around it:
    //   e-mail style accounts (payment accounts are often e-mail addresses);
    //   resident ID numbers: 6-digit area, birth date, 3 digits, check digit or X;
    //   mobile numbers, optionally +86 / 0086 and grouped 3-4-4;
    //   international numbers written with a leading +;
    //   landlines 0xx(x)-xxxxxxx(x);
    //   card and account numbers of 12-19 digits, plain or grouped by four.
    [GeneratedRegex("""
        (?<email>(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-]))
        |(?<![\w-])(?:
            \d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]
           |(?:(?:\+|00)86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}
           |\+\d{1,3}[ -]?\d{2,5}(?:[ -]?\d{2,5}){1,4}
           |0\d{2,3}-\d{7,8}
           |\d{4}(?:[ -]?\d{4}){2,3}(?:[ -]?\d{1,3})?
        )(?![\w-])
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant)]
    private static partial Regex Sensitive();
}
