using System.Globalization;

namespace Bench;

/// <summary>
/// The command line every benchmark shares: `&lt;bench&gt; [--flag [value]]...`, each flag applied to an options
/// record in turn. A bad or unknown flag gives a message for the user; --help gives an empty one (usage only).
/// </summary>
internal static class BenchCommandLine
{
    public static (T? Options, string? Error) Parse<T>(string[] args, string bench, T defaults, Func<T, Flag, T> apply)
        where T : class
    {
        if (args.Length == 0 || args[0] != bench)
        {
            return (null, $"The first argument must be the benchmark to run: {bench}.");
        }
        var options = defaults;
        var flag = new Flag(args);
        try
        {
            while (flag.MoveNext())
            {
                options = flag.Name is "--help" or "-h" ? throw new FormatException("") : apply(options, flag);
            }
        }
        catch (FormatException e)
        {
            return (null, e.Message);
        }
        return (options, null);
    }

    /// <summary>Prints <paramref name="error"/> (if any) and <paramref name="usage"/>; the exit code for a bad command line.</summary>
    public static int Usage(string? error, string usage)
    {
        if (!string.IsNullOrEmpty(error))
        {
            Console.Error.WriteLine(error);
        }
        Console.Error.WriteLine(usage);
        return 2;
    }

    /// <summary>The flag being read and its value(s); every reader throws a <see cref="FormatException"/> naming the flag.</summary>
    internal sealed class Flag(string[] args)
    {
        private int _index;

        public string Name { get; private set; } = "";

        internal bool MoveNext()
        {
            if (++_index >= args.Length)
            {
                return false;
            }
            Name = args[_index];
            return true;
        }

        public string Value() => _index + 1 < args.Length ? args[++_index] : throw new FormatException($"{Name} needs a value.");

        public int Positive() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n : throw new FormatException($"{Name} needs a positive whole number.");

        public int NonNegative() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n : throw new FormatException($"{Name} needs a whole number.");

        /// <summary>A path, made absolute against the current directory.</summary>
        public string FullPath() => Path.GetFullPath(Value());

        /// <summary><paramref name="environment"/> with the KEY=VALUE this flag gives added (a repeated key: the last wins).</summary>
        public IReadOnlyDictionary<string, string> EnvironmentEntry(IReadOnlyDictionary<string, string> environment)
        {
            var pair = Value();
            var eq = pair.IndexOf('=');
            if (eq <= 0)
            {
                throw new FormatException($"{Name} needs KEY=VALUE.");
            }
            return new Dictionary<string, string>(environment) { [pair[..eq]] = pair[(eq + 1)..] };
        }

        public T Unknown<T>() => throw new FormatException($"Unknown option {Name}.");
    }
}
