using System.Runtime.InteropServices;
Console.WriteLine(Native.kill(Environment.ProcessId, 0));
static partial class Native { [LibraryImport("libc", SetLastError = true)] internal static partial int kill(int pid, int sig); }
