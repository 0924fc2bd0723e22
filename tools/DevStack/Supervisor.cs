using ServiceProcesses;

namespace DevStack;

/// <summary>Starts the stack (and the demo), then keeps it up until Ctrl+C / SIGTERM or until a child dies.</summary>
internal static class Supervisor
{
    public static async Task<int> RunAsync(StackOptions options, ShutdownSignal shutdown)
    {
        Stack stack;
        RepoLayout layout;
        try
        {
            layout = RepoLayout.Locate("tools/DevStack");
            stack = await Stack.StartAsync(options, layout, shutdown.Requested);
        }
        catch (Exception e) when (e is OperationCanceledException || shutdown.Requested.IsCancellationRequested)
        {
            Output.Info("stopped before the stack was up");
            return 0;
        }
        catch (ServiceStartException e)
        {
            Output.Error($"the stack did not start:{Environment.NewLine}{e.Message}");
            return 1;
        }
        catch (Exception e)
        {
            Output.Error($"the stack did not start: {e}");
            return 1;
        }

        TryItHint.Print(stack.GatewayAddress, layout, stack.Identities);
        var exitCode = 0;
        Demo? demo = null;
        try
        {
            if (options.Demo)
            {
                demo = await Demo.StartAsync(stack.GatewayAddress, stack.Identities, shutdown.Requested);
            }
            else
            {
                Output.Info("stack only (--no-demo); Ctrl+C stops it");
            }

            var stopRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var registration = shutdown.Requested.Register(() => stopRequested.TrySetResult());
            if (await Task.WhenAny(stack.UnexpectedExit, stopRequested.Task) == stack.UnexpectedExit)
            {
                var child = await stack.UnexpectedExit;
                Output.Error($"{child.Name} exited unexpectedly with code {await child.Exited}; stopping the rest");
                exitCode = 1;
            }
        }
        catch (OperationCanceledException) when (shutdown.Requested.IsCancellationRequested)
        {
            // Ctrl+C while the demo was starting.
        }
        finally
        {
            if (demo is not null)
            {
                await demo.DisposeAsync();
            }
            await stack.StopAsync(shutdown.Hurry);
        }
        Output.Info(exitCode == 0 ? "everything stopped" : "everything stopped after a failure");
        return exitCode;
    }
}
