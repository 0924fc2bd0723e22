using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Compose.UnitTests;

/// <summary>One service of a compose file, reduced to what the checks need.</summary>
public sealed record ComposeService(
    string Name,
    string? Image,
    string? BuildContext,
    string? Dockerfile,
    IReadOnlyDictionary<string, string> BuildArgs,
    bool HasHealthcheck,
    IReadOnlyList<KeyValuePair<string, string?>> Environment,
    IReadOnlyDictionary<string, string?> DependsOn,
    IReadOnlyList<string> Ports);

/// <summary>Reads a compose file with YamlDotNet: environment in map and list syntax, build, healthcheck, depends_on, ports.</summary>
public static partial class ComposeFile
{
    public static IReadOnlyList<ComposeService> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        if (Child(root, "services") is not YamlMappingNode services)
        {
            throw new InvalidDataException("compose file has no 'services' mapping");
        }

        var result = new List<ComposeService>();
        foreach (var (nameNode, node) in services.Children)
        {
            var name = ((YamlScalarNode)nameNode).Value!;
            var service = (YamlMappingNode)node;
            var (context, dockerfile, buildArgs) = ReadBuild(Child(service, "build"));
            result.Add(new ComposeService(
                name,
                Scalar(Child(service, "image")),
                context,
                dockerfile,
                buildArgs,
                HasHealthcheck(Child(service, "healthcheck")),
                ReadEnvironment(Child(service, "environment")),
                ReadDependsOn(Child(service, "depends_on")),
                ReadPorts(Child(service, "ports"))));
        }

        return result;
    }

    /// <summary>
    /// Compose interpolation as it turns out with no variables set in the shell, enough for checking values:
    /// ${VAR:-default} and ${VAR-default} give the default, ${VAR} and the other forms give "", $$ gives $.
    /// </summary>
    public static string Interpolate(string value)
    {
        var replaced = Interpolation().Replace(value, m => m.Groups["op"].Value is ":-" or "-" ? m.Groups["word"].Value : "");
        return replaced.Replace("$$", "$", StringComparison.Ordinal);
    }

    private static YamlNode? Child(YamlMappingNode node, string key)
        => node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static string? Scalar(YamlNode? node) => (node as YamlScalarNode)?.Value;

    private static (string? Context, string? Dockerfile, IReadOnlyDictionary<string, string> Args) ReadBuild(YamlNode? build) => build switch
    {
        null => (null, null, new Dictionary<string, string>()),
        YamlScalarNode scalar => (scalar.Value, null, new Dictionary<string, string>()),
        YamlMappingNode map => (Scalar(Child(map, "context")) ?? ".", Scalar(Child(map, "dockerfile")), ReadBuildArgs(Child(map, "args"))),
        _ => throw new InvalidDataException("unexpected 'build' syntax"),
    };

    /// <summary>build.args in map syntax (KEY: value) or list syntax (- KEY=value).</summary>
    private static IReadOnlyDictionary<string, string> ReadBuildArgs(YamlNode? node) => node switch
    {
        null => new Dictionary<string, string>(),
        YamlMappingNode map => map.Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => Scalar(e.Value) ?? "", StringComparer.Ordinal),
        YamlSequenceNode list => list.Children.Select(Scalar).OfType<string>().Select(item => item.Split('=', 2))
            .ToDictionary(parts => parts[0], parts => parts.Length > 1 ? parts[1] : "", StringComparer.Ordinal),
        _ => throw new InvalidDataException("unexpected 'build.args' syntax"),
    };

    private static bool HasHealthcheck(YamlNode? node)
    {
        if (node is not YamlMappingNode map)
        {
            return false;
        }

        var disabled = string.Equals(Scalar(Child(map, "disable")), "true", StringComparison.OrdinalIgnoreCase);
        var test = Child(map, "test");
        var hasTest = test switch
        {
            YamlScalarNode s => !string.IsNullOrWhiteSpace(s.Value),
            YamlSequenceNode seq => seq.Children.Count > 0 && Scalar(seq.Children[0]) is not "NONE",
            _ => false,
        };
        return hasTest && !disabled;
    }

    /// <summary>Map syntax (KEY: value) and list syntax (- KEY=value, or - KEY to pass the host's value through).</summary>
    private static List<KeyValuePair<string, string?>> ReadEnvironment(YamlNode? node)
    {
        var result = new List<KeyValuePair<string, string?>>();
        switch (node)
        {
            case null:
                break;
            case YamlMappingNode map:
                foreach (var (key, value) in map.Children)
                {
                    result.Add(new(((YamlScalarNode)key).Value!, Scalar(value)));
                }

                break;
            case YamlSequenceNode list:
                foreach (var item in list.Children)
                {
                    var entry = Scalar(item) ?? throw new InvalidDataException("environment list entries must be scalars");
                    var equals = entry.IndexOf('=', StringComparison.Ordinal);
                    result.Add(equals < 0 ? new(entry, null) : new(entry[..equals], entry[(equals + 1)..]));
                }

                break;
            default:
                throw new InvalidDataException("unexpected 'environment' syntax");
        }

        return result;
    }

    /// <summary>Short syntax (a list: condition service_started) or long syntax (a map with condition).</summary>
    private static Dictionary<string, string?> ReadDependsOn(YamlNode? node)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        switch (node)
        {
            case YamlSequenceNode list:
                foreach (var item in list.Children)
                {
                    result[Scalar(item)!] = "service_started";
                }

                break;
            case YamlMappingNode map:
                foreach (var (key, value) in map.Children)
                {
                    result[((YamlScalarNode)key).Value!] = value is YamlMappingNode m ? Scalar(Child(m, "condition")) ?? "service_started" : "service_started";
                }

                break;
        }

        return result;
    }

    private static List<string> ReadPorts(YamlNode? node)
    {
        var result = new List<string>();
        if (node is YamlSequenceNode list)
        {
            foreach (var item in list.Children)
            {
                result.Add(item switch
                {
                    YamlScalarNode s => s.Value!,
                    YamlMappingNode m => $"{Scalar(Child(m, "published"))}:{Scalar(Child(m, "target"))}",
                    _ => item.ToString(),
                });
            }
        }

        return result;
    }

    [GeneratedRegex(@"(?<!\$)\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?<op>:?[-?+])(?<word>[^}]*))?\}")]
    private static partial Regex Interpolation();
}
