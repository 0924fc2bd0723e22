using System.Reflection;
using System.Runtime.Versioning;

namespace ServiceProcesses;

/// <summary>
/// Where the services' build outputs are. A tool builds the services it runs with its own configuration
/// (project references with ReferenceOutputAssembly="false"), so their dlls sit at
/// &lt;repository&gt;/&lt;project&gt;/bin/&lt;configuration of the tool&gt;/&lt;tfm&gt;/.
/// </summary>
public sealed class RepoLayout
{
    private const string SolutionFile = "Microservices.sln";

    private RepoLayout(string root, string configuration, string targetFramework, string toolProject)
    {
        Root = root;
        Configuration = configuration;
        TargetFramework = targetFramework;
        ToolProject = toolProject;
    }

    public string Root { get; }

    /// <summary>Configuration the running tool was built with ("Debug", "Release").</summary>
    public string Configuration { get; }

    /// <summary>"net10.0".</summary>
    public string TargetFramework { get; }

    /// <summary>The running tool's project folder ("tools/Bench"), for the build command in messages.</summary>
    public string ToolProject { get; }

    /// <summary>The repository above the running program; <paramref name="toolProject"/> is its project folder ("tools/Bench").</summary>
    /// <exception cref="ServiceStartException">The program does not run from a build output inside the repository.</exception>
    public static RepoLayout Locate(string toolProject)
    {
        var root = FindRoot(AppContext.BaseDirectory)
            ?? throw new ServiceStartException($"Cannot find the repository root ({SolutionFile}) above {AppContext.BaseDirectory}. Run {toolProject} from its build output inside the repository.");
        // This library is built with the configuration and target framework of the tool that references it.
        var library = typeof(RepoLayout).Assembly;
        var configuration = library.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } c ? c : "Debug";
        var framework = new FrameworkName(library.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName ?? ".NETCoreApp,Version=v10.0");
        return new RepoLayout(root, configuration, $"net{framework.Version.Major}.{framework.Version.Minor}", toolProject);
    }

    /// <summary>The built dll of a project, e.g. ("services/Intake", "Intake").</summary>
    /// <exception cref="ServiceStartException">It was not built.</exception>
    public string ProjectDll(string projectFolder, string assemblyName)
    {
        var dll = Path.Combine(Root, projectFolder, "bin", Configuration, TargetFramework, assemblyName + ".dll");
        return File.Exists(dll)
            ? dll
            : throw new ServiceStartException($"{dll} does not exist. Build it first: dotnet build {ToolProject} -c {Configuration} (dotnet run does this).");
    }

    /// <summary>The built dll of services/&lt;service&gt;, e.g. "Intake".</summary>
    /// <exception cref="ServiceStartException">It was not built.</exception>
    public string ServiceDll(string service) => ProjectDll($"services/{service}", service);

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
