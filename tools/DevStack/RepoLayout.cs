using System.Reflection;
using System.Runtime.Versioning;

namespace DevStack;

/// <summary>
/// Where the services' build outputs are. DevStack.csproj builds them with the same
/// configuration as itself, so their dlls sit at &lt;project&gt;/bin/&lt;configuration&gt;/&lt;tfm&gt;/.
/// </summary>
internal sealed class RepoLayout
{
    private const string SolutionFile = "Microservices.sln";

    private RepoLayout(string root, string configuration, string targetFramework)
    {
        Root = root;
        Configuration = configuration;
        TargetFramework = targetFramework;
    }

    public string Root { get; }
    public string Configuration { get; }
    public string TargetFramework { get; }

    public static RepoLayout Locate()
    {
        var root = FindRoot(AppContext.BaseDirectory)
            ?? throw new StartupException($"Cannot find the repository root ({SolutionFile}) above {AppContext.BaseDirectory}. Run DevStack from its build output inside the repository.");
        var configuration = typeof(RepoLayout).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } c ? c : "Debug";
        var framework = new FrameworkName(AppContext.TargetFrameworkName ?? ".NETCoreApp,Version=v10.0");
        return new RepoLayout(root, configuration, $"net{framework.Version.Major}.{framework.Version.Minor}");
    }

    /// <summary>The built dll of a project, e.g. ("services/Intake", "Intake"); fails when it was not built.</summary>
    public string ProjectDll(string projectFolder, string assemblyName)
    {
        var dll = Path.Combine(Root, projectFolder, "bin", Configuration, TargetFramework, assemblyName + ".dll");
        if (!File.Exists(dll))
        {
            throw new StartupException($"{dll} does not exist. Build it first: dotnet build tools/DevStack -c {Configuration} (dotnet run does this).");
        }
        return dll;
    }

    private static string? FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}

/// <summary>The stack could not start; the message says what to do about it.</summary>
internal sealed class StartupException(string message) : Exception(message);
