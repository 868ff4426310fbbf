namespace LibBus;

/// <summary>
/// Look-ups in the user and group databases (<c>getpwnam_r</c>, <c>getpwuid_r</c>,
/// <c>getgrnam_r</c>, through NSS like every other tool), with a buffer that grows
/// on ERANGE.
/// </summary>
internal static unsafe class UserDatabase
{
    private const int FirstBuffer = 1024, MaxBuffer = 1 << 20;

    /// <summary>The user called <paramref name="name"/>: its uid and login group, or false if there is none.</summary>
    public static bool TryGetUser(string name, out uint uid, out uint gid) => LookUp(Query.UserByName, name, 0, out uid, out gid);

    /// <summary>The login group of the user with <paramref name="uid"/>, or false if there is none.</summary>
    public static bool TryGetUser(uint uid, out uint gid)
        => LookUp(Query.UserById, uid.ToString(System.Globalization.CultureInfo.InvariantCulture), uid, out _, out gid);

    /// <summary>The group called <paramref name="name"/>, or false if there is none.</summary>
    public static bool TryGetGroup(string name, out uint gid) => LookUp(Query.GroupByName, name, 0, out gid, out _);

    /// <summary>Looks up a user by name, or takes a numeric id as it is.</summary>
    /// <exception cref="BusException">No such user.</exception>
    internal static uint ResolveUser(string user)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        if (uint.TryParse(user, System.Globalization.NumberStyles.None, null, out uint id))
            return id != uint.MaxValue ? id : throw new BusException($"{user}: not a valid user id");
        return TryGetUser(user, out uint uid, out _) ? uid : throw new BusException($"{user}: no such user");
    }

    /// <summary>Looks up a group by name, or takes a numeric id as it is.</summary>
    /// <exception cref="BusException">No such group.</exception>
    internal static uint ResolveGroup(string group)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        if (uint.TryParse(group, System.Globalization.NumberStyles.None, null, out uint id))
            return id != uint.MaxValue ? id : throw new BusException($"{group}: not a valid group id");
        return TryGetGroup(group, out uint gid) ? gid : throw new BusException($"{group}: no such group");
    }

    /// <summary>The login group of a user given by name or numeric id (for <c>chown OWNER:</c>).</summary>
    /// <exception cref="BusException">No such user.</exception>
    internal static uint ResolveLoginGroup(string user)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        bool found = uint.TryParse(user, System.Globalization.NumberStyles.None, null, out uint uid)
            ? TryGetUser(uid, out uint gid)
            : TryGetUser(user, out _, out gid);
        return found ? gid : throw new BusException($"{user}: no such user (needed for the login group in '{user}:')");
    }

    private enum Query { UserByName, UserById, GroupByName }

    /// <summary>
    /// One look-up: for a user, <paramref name="id"/> is its uid and <paramref name="gid"/> its
    /// login group; for a group, both are its gid. <paramref name="name"/> names it in errors.
    /// </summary>
    private static bool LookUp(Query query, string name, uint uid, out uint id, out uint gid)
    {
        for (int length = FirstBuffer; ; length *= 2)
        {
            byte[] buffer = new byte[length];
            int error;
            bool found;
            fixed (byte* p = buffer)
            {
                if (query == Query.GroupByName)
                {
                    Interop.Libc.Group entry = default;
                    Interop.Libc.Group* result = null;
                    error = Interop.Libc.GetGrNamR(name, &entry, p, (nuint)length, &result);
                    found = result != null;
                    (id, gid) = found ? (entry.Gid, entry.Gid) : (0u, 0u);
                }
                else
                {
                    Interop.Libc.Passwd entry = default;
                    Interop.Libc.Passwd* result = null;
                    error = query == Query.UserByName
                        ? Interop.Libc.GetPwNamR(name, &entry, p, (nuint)length, &result)
                        : Interop.Libc.GetPwUidR(uid, &entry, p, (nuint)length, &result);
                    found = result != null;
                    (id, gid) = found ? (entry.Uid, entry.Gid) : (0u, 0u);
                }
            }
            if (!Again(name, error, length)) return found;
        }
    }

    /// <summary>
    /// True to retry with a larger buffer; false when the call answered (found, or not found:
    /// 0 with a null result, or an errno some NSS modules give for "not found", getpwnam_r(3)).
    /// </summary>
    private static bool Again(string what, int error, int length)
    {
        if (BusErrors.IsBufferTooSmall(error) && length < MaxBuffer) return true;
        if (BusErrors.IsNotInUserDatabase(error)) return false;
        throw BusErrors.FromUserDatabase(error, what);
    }
}
