%% pingpong: 1M round trips between two processes by message passing.
-module(pingpong).
-export([main/0, main/1]).

-define(N, 1000000).

main(_) -> main().

main() ->
    Self = self(),
    Ponger = spawn(fun() -> ponger(Self) end),
    Sum = ping(Ponger, 0, 0),
    Ponger ! stop,
    io:format("~p~n", [Sum]),
    halt(0).

ping(_Ponger, ?N, Sum) -> Sum;
ping(Ponger, I, Sum) ->
    Ponger ! {ping, I},
    receive
        {pong, V} -> ping(Ponger, I + 1, Sum + V)
    end.

ponger(Parent) ->
    receive
        {ping, V} ->
            Parent ! {pong, V + 1},
            ponger(Parent);
        stop ->
            ok
    end.
