using Mono.Unix.Native;

namespace LibBus.Tests;

/// <summary>LibBus's own user and group look-ups agree with an independent oracle (Mono.Posix).</summary>
public sealed class UserDatabaseTests
{
    [Theory]
    [InlineData("root")]
    [InlineData("nobody")]
    [InlineData("daemon")]
    public void A_user_resolves_to_the_uid_and_login_group_the_oracle_gives(string name)
    {
        Passwd? oracle = Syscall.getpwnam(name);
        Assert.NotNull(oracle);
        Assert.Equal(oracle.pw_uid, UserDatabase.ResolveUser(name));
        Assert.Equal(oracle.pw_gid, UserDatabase.ResolveLoginGroup(name));
        Assert.Equal(oracle.pw_gid, UserDatabase.ResolveLoginGroup(oracle.pw_uid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("root")]
    [InlineData("nogroup")]
    [InlineData("daemon")]
    public void A_group_resolves_to_the_gid_the_oracle_gives(string name)
    {
        Group? oracle = Syscall.getgrnam(name);
        Assert.NotNull(oracle);
        Assert.Equal(oracle.gr_gid, UserDatabase.ResolveGroup(name));
    }

    [Fact]
    public void Unknown_names_are_one_line_errors_naming_them()
    {
        string missing = "no-such-user-" + Environment.ProcessId;
        Assert.Null(Syscall.getpwnam(missing));
        Assert.Contains(missing, Assert.Throws<BusException>(() => UserDatabase.ResolveUser(missing)).Message);
        Assert.Contains(missing, Assert.Throws<BusException>(() => UserDatabase.ResolveGroup(missing)).Message);
        Assert.Contains(missing, Assert.Throws<BusException>(() => UserDatabase.ResolveLoginGroup(missing)).Message);
        Assert.Equal(12345u, UserDatabase.ResolveUser("12345")); // a number is taken as it is
    }
}
