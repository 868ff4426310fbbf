// The start-up yardstick. With --silent it returns before touching the console: what
// any .NET program pays to start and exit, the floor under every command-line tool.
if (args is ["--silent"]) return 0;
Console.WriteLine("hello");
return 0;
