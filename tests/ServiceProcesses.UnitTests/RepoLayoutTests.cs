using ServiceProcesses;

namespace ServiceProcesses.UnitTests;

public sealed class RepoLayoutTests
{
    [Fact]
    public void A_project_built_with_the_same_configuration_is_found()
    {
        var layout = RepoLayout.Locate("tests/ServiceProcesses.UnitTests");

        var dll = layout.ProjectDll("libs/ServiceProcesses", "ServiceProcesses");

        Assert.True(File.Exists(dll), dll);
        Assert.True(File.Exists(Path.Combine(layout.Root, "Microservices.sln")));
        Assert.StartsWith("net", layout.TargetFramework);
    }

    [Fact]
    public void A_missing_build_output_names_the_command_that_builds_it()
    {
        var layout = RepoLayout.Locate("tools/SomeTool");

        var error = Assert.Throws<ServiceStartException>(() => layout.ServiceDll("NoSuchService"));

        Assert.Contains(Path.Combine("services", "NoSuchService", "bin", layout.Configuration), error.Message);
        Assert.Contains($"dotnet build tools/SomeTool -c {layout.Configuration}", error.Message);
    }
}
