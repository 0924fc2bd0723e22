namespace DevStack;

/// <summary>
/// The one console writer: children, the feed and the demo all write whole lines through it, so
/// lines from different threads never interleave.
/// </summary>
internal static class Output
{
    private static readonly Lock Gate = new();
    private static readonly bool UseColor = !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;

    /// <summary>Widest prefix ("[analysis]"), so every source's text starts in the same column.</summary>
    private const int PrefixWidth = 11;

    public static void Line(string source, string text, ConsoleColor? color = null)
    {
        var prefix = $"[{source}]".PadRight(PrefixWidth);
        lock (Gate)
        {
            if (UseColor && color is { } c)
            {
                Console.ForegroundColor = c;
                Console.Out.Write(prefix);
                Console.ResetColor();
            }
            else
            {
                Console.Out.Write(prefix);
            }
            Console.Out.WriteLine(text);
        }
    }

    /// <summary>A line that must stand out in the logs (the gateway address, the demo command).</summary>
    public static void Highlight(string text)
    {
        lock (Gate)
        {
            if (UseColor)
            {
                Console.ForegroundColor = ConsoleColor.White;
            }
            Console.Out.WriteLine(text);
            if (UseColor)
            {
                Console.ResetColor();
            }
        }
    }

    public static void Info(string text) => Line("devstack", text, ConsoleColor.Green);

    public static void Demo(string text) => Line("demo", text, ConsoleColor.Cyan);

    public static void Feed(string text) => Line("feed", text, ConsoleColor.Yellow);

    public static void Error(string text)
    {
        lock (Gate)
        {
            if (UseColor)
            {
                Console.ForegroundColor = ConsoleColor.Red;
            }
            Console.Error.WriteLine($"[devstack] {text}");
            if (UseColor)
            {
                Console.ResetColor();
            }
        }
    }
}
