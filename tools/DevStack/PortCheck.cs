using System.Net;
using System.Net.Sockets;

namespace DevStack;

/// <summary>
/// Checks the stack's ports before anything starts: a port conflict found half-way would leave a
/// broker and some services running for nothing and bury the cause in their logs.
/// </summary>
internal static class PortCheck
{
    /// <summary>One message per problem, each naming the port and the flag that changes it; empty when all is well.</summary>
    public static IReadOnlyList<string> FindProblems(StackOptions options)
    {
        var problems = new List<string>();
        foreach (var group in options.Ports.GroupBy(p => p.Port).Where(g => g.Count() > 1))
        {
            problems.Add($"Port {group.Key} is given to more than one part of the stack ({string.Join(", ", group.Select(p => $"{p.Owner} via {p.Flag}"))}); give each its own port.");
        }
        foreach (var (owner, port, flag) in options.Ports.DistinctBy(p => p.Port))
        {
            if (!IsFree(port, out var reason))
            {
                problems.Add($"Port {port} on 127.0.0.1 is not available for {owner} ({reason}). Stop whatever uses it, or pick another port with {flag} <port>.");
            }
        }
        return problems;
    }

    private static bool IsFree(int port, out string reason)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            reason = "";
            return true;
        }
        catch (SocketException e)
        {
            reason = e.SocketErrorCode == SocketError.AddressAlreadyInUse ? "already in use" : e.Message;
            return false;
        }
        finally
        {
            listener.Stop();
        }
    }
}
