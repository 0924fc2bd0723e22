using System.Net;
using System.Net.Sockets;

namespace Embedded;

/// <summary>Free TCP ports on 127.0.0.1, for servers and child processes started on loopback.</summary>
public static class LoopbackPort
{
    /// <summary>
    /// A port the operating system considers free right now (it is released again before this returns, so another
    /// process could take it before the caller binds it: fine on a development machine, never a fixed port).
    /// </summary>
    public static int PickFree()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
