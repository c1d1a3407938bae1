import { describe, expect, it } from "vitest";
import { isAddressBlocked, isHostAllowListed, parseAllowList } from "../../src/domain/address-policy.js";

const none = parseAllowList([]).allowList;

describe("address policy", () => {
  it.each([
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "::1",
    "::",
    "fd00::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "224.0.0.1",
  ])("blocks %s", (address) => {
    expect(isAddressBlocked(address, none)).toBe(true);
  });

  it.each(["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700:4700::1111"])("allows %s", (address) => {
    expect(isAddressBlocked(address, none)).toBe(false);
  });

  it("admits allow-listed CIDRs, addresses and hosts", () => {
    const { allowList, problems } = parseAllowList(["127.0.0.1", "10.0.0.0/8", "Internal.Example"]);
    expect(problems).toEqual([]);
    expect(isAddressBlocked("127.0.0.1", allowList)).toBe(false);
    expect(isAddressBlocked("127.0.0.2", allowList)).toBe(true);
    expect(isAddressBlocked("10.9.9.9", allowList)).toBe(false);
    expect(isHostAllowListed("internal.example", allowList)).toBe(true);
  });

  it("reports entries it cannot parse", () => {
    expect(parseAllowList(["10.0.0.0/33", "not a host!"]).problems).toHaveLength(2);
  });

  it("treats garbage as blocked", () => {
    expect(isAddressBlocked("not-an-ip", none)).toBe(true);
  });
});
